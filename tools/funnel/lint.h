/* lint.h - the serve-config lint, one program mode shared by `fnode status`
 * and `fdoctor lint`: what a ServeConfig serves, whether it can (backends,
 * certificates) and what it should not serve any more (stale names after a
 * rename, funnel on without a handler, ports Funnel does not open, PROXY
 * protocol with TLS termination, a tunnel MTU below IPv6's minimum). */
#ifndef FSC_LINT_H
#define FSC_LINT_H

/* Runs the lint as a program: prog names it in usage and errors ("fnode
 * status"); argv[0] is the mode's own name. Prints to stdout (text, or one
 * JSON object with --json), errors to stderr. Returns the exit status:
 * 0 nothing to fix, 3 problems, 1 the config cannot be read, 2 usage. */
int fsc_lint_main(const char *prog, int argc, char **argv);

#endif
