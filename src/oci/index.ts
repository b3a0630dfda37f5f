/**
 * OCI and Docker seccomp profiles, read into the decision form as runc and
 * libseccomp 2.5 apply them on x86, and written from any rule set
 * (spec/18-oci.md).
 */
export * from './json.ts';
export * from './profile.ts';
export * from './docker.ts';
export * from './runc.ts';
export * from './arches.ts';
export * from './libseccomp.ts';
export * from './lint.ts';
export * from './export.ts';
export * from './read.ts';
