/* gdb_target.c: test guest for the gdb stub: a known three-deep call chain, a global gdb changes, a loop. */
#include <stdio.h>
#include <stdlib.h>

#define DECIMAL 10
#define RETCODE 3

volatile int answer = 42; /* gdb's `set var answer = ...` changes what main prints */
volatile long counter;

__attribute__((noinline)) long leaf(long x)
{
    counter += x;
    return x * 2;
}

__attribute__((noinline)) long middle(long x)
{
    long r = leaf(x + 1);
    return r + 1;
}

__attribute__((noinline)) long top(long x)
{
    return middle(x) + 1;
}

int main(int argc, char **argv)
{
    long loops = argc > 1 ? strtol(argv[1], NULL, DECIMAL) : 1;
    long sum = 0;
    for (long i = 0; i < loops; i++)
        sum += top(i);
    printf("answer=%d sum=%ld\n", answer, sum);
    if (argc > 2 && argv[2][0] == 'f')
        __builtin_trap(); /* "fault": a #UD gdb did not cause */
    return RETCODE;
}
