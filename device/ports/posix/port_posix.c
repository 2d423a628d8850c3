/* POSIX port of utvm's device shims: the link runs over stdin/stdout (fds 0 and 1), time comes
 * from CLOCK_MONOTONIC. Used by the host platform and the tests. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <time.h>
#include <unistd.h>

#include "utvm/port.h"

int utvm_port_read(uint8_t* buf, size_t n) {
  for (;;) {
    ssize_t r = read(0, buf, n);
    if (r > 0) return (int)r;
    if (r < 0 && errno == EINTR) continue;
    return -1; /* EOF or error: the host went away */
  }
}

int utvm_port_write(const uint8_t* buf, size_t n) {
  while (n > 0) {
    ssize_t w = write(1, buf, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    buf += w;
    n -= (size_t)w;
  }
  return 0;
}

uint64_t utvm_port_time_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void utvm_port_reset(void) { /* a process has nothing to reset; the link clears its session */
}
