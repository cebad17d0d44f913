/* exit_code.c: test guest: returns strtol(argv[1]) from main, so the host checks the exit status. */
#include <stdio.h>
#include <stdlib.h>

#define USAGE_RETCODE 2
#define DECIMAL       10

int main(int argc, char **argv)
{
    if (argc < 2) {
        printf("usage: exit_code N\n");
        return USAGE_RETCODE;
    }
    return (int)strtol(argv[1], NULL, DECIMAL);
}
