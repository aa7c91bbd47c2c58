/* pair.c - two independent pieces of work side by side (lnob/pair.h). */
#include "lnob/pair.h"

#include <pthread.h>

void lnob_pair_run(void *(*fn)(void *), void *first, void *second)
{
    pthread_t th;
    int threaded = pthread_create(&th, NULL, fn, second) == 0;
    fn(first);
    if (threaded)
        pthread_join(th, NULL);
    else
        fn(second);
}
