/**
 * The filter grammar's ohm-js source (S2.1, S2.5), kept as a module rather
 * than a file read at run time so the grammar loads in Node, in a bundle and
 * in a browser alike.
 */
export const FILTER_GRAMMAR_SOURCE = String.raw`// What the filter language shares with the dialects that grew from it
// (minijail policies, spec/17-minijail.md): words and integer literals.
// An integer is lexed as a word that starts with a digit; parseInteger
// decides its value (decimal, 0x-hex, 0-octal, 64-bit range).
SeccompLexical {
  wordChar = "a".."z" | "A".."Z" | "0".."9" | "_"
  word = wordChar+
  integer = "-"? digit wordChar*
}

// The ftrace event-filter language as seccomp filter mode uses it (S2.1).
// '!' and '&' are [ext]. Fields are always on the left; values are single
// words that the resolver checks (S2.2, S2.3). Whitespace is the C isspace()
// set: NUL and other control characters are not whitespace (S2.4).
SeccompFilter <: SeccompLexical {
  Filter = Or end

  Or = Or "||" And  -- or
     | And

  And = And "&&" Unary  -- and
      | Unary

  Unary = "!" Unary     -- not
        | "(" Or ")"    -- paren
        | Pred

  Pred = word cmp value

  cmp = "==" | "!=" | "<=" | ">=" | "<" | ">" | ~"&&" "&"

  value = "-"? word

  space := " " | "\t" | "\n" | "\r" | "\x0B" | "\x0C"
}

// One non-blank, non-comment line of a policy text (S2.5): NAME ':' FILTER.
// The filter part is handed to SeccompFilter after the S2.3 length check.
SeccompPolicyLine {
  Line = name ":" rest
  name = nameChar+
  nameChar = "a".."z" | "A".."Z" | "0".."9" | "_"
  rest = any*
  space := " " | "\t" | "\r" | "\x0B" | "\x0C"
}
`;
