/** The simulated kernel's configuration, shared by the model and the engine. */
/** Kernel configuration: the result of every call the simulation does not implement (S6.5). */
export interface KernelConfig {
  /** rax for unimplemented-by-simulation calls, as a signed or unsigned value; default 0. */
  readonly defaultResult: bigint;
}
