/**
 * The public API's argument checks (U1), shared by the model's functions
 * and the engine class `Kernel`. This file is the whole public face of
 * src/api.
 */
export { checkAbi, checkBigint, checkPid, checkRegs, checkString, checkVector } from './guard.ts';
