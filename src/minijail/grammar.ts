/**
 * The ohm-js grammar of one minijail policy statement (M1 to M4 of
 * spec/17-minijail.md), after comments are cut and continued lines
 * joined. It extends the filter language's `SeccompLexical` (words and
 * integer literals), which the 2011 grammar shares.
 */
export const MINIJAIL_GRAMMAR_SOURCE = String.raw`// One statement of a minijail policy file (M1).
MinijailStatement <: SeccompLexical {
  Statement = Directive end  -- directive
            | FilterStatement end  -- filter

  Directive = "@include" path  -- include
            | "@frequency" path  -- frequency
            | "@default" Action  -- default
            | "@denylist"  -- denylist

  path = (~space any)+

  FilterStatement = Calls ":" Filter
  Calls = "{" NonemptyListOf<Call, ","> "}"  -- group
        | Call
  Call = callName Metadata?
  callName = nameChar+
  nameChar = wordChar | "-" | "@"
  Metadata = "[" NonemptyListOf<KeyValue, ";"> "]"
  KeyValue = word "=" NonemptyListOf<word, ",">

  Filter = "{" NonemptyListOf<SingleFilter, ","> "}"  -- set
         | SingleFilter
  SingleFilter = ArgExpr ";" Action  -- then
               | ArgExpr  -- allow
               | Action  -- action

  ArgExpr = NonemptyListOf<Clause, "||">
  Clause = NonemptyListOf<Atom, "&&">
  Atom = argument op Value
  argument = "arg" digit+ ~nameChar
  op = "==" | "!=" | "<=" | ">=" | "<" | ">" | ~"&&" "&" | "in" ~nameChar

  Value = NonemptyListOf<Constant, bitOr>
  bitOr = ~"||" "|"
  Constant = "~" "(" Value ")"  -- notParen
           | "(" Value ")"  -- paren
           | "~" single  -- not
           | single
  single = integer ~nameChar  -- number
         | constName  -- name
  constName = ("a".."z" | "A".."Z" | "_") wordChar*

  Action = "return" single  -- return
         | actionName ~nameChar  -- named
         | integer ~nameChar  -- number
  actionName = "allow" | "kill-process" | "kill-thread" | "kill" | "trap" | "trace" | "log" | "user-notify"
}

// One line of a frequency file: calls and a count (M4).
MinijailFrequency <: MinijailStatement {
  Line = Calls ":" integer end
}
`;
