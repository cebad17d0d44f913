/* spin.c: test guest: prints "spinning" and loops for ever, for the host's timeout and kill tests. */
#include <stdio.h>

int main(void)
{
    volatile unsigned long counter = 0;
    printf("spinning\n");
    for (;;)
        counter++;
}
