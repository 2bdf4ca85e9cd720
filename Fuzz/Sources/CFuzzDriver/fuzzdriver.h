#include <stddef.h>
#include <stdint.h>
/* libFuzzer's entry point (libclang_rt.fuzzer): runs the fuzzing loop with our callback. */
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*UserCb)(const uint8_t *Data, size_t Size));
