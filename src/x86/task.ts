/** Facts of a task the model and the engine share (S7.2): the thread clone flag and the comm length. */
/** clone() flag that puts the child in the caller's thread group (S7.2). */
export const CLONE_THREAD = 0x00010000n;

/** TASK_COMM_LEN - 1: the longest comm (S7.2). */
export const COMM_MAX = 15;
