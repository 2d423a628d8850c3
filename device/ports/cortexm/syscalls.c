/* The few system calls newlib-nano can pull in, for a firmware with no heap and no files.
 * _sbrk always fails, so any malloc() returns NULL instead of growing into the stack; _write
 * goes to the UART so a stray printf is visible; everything else reports an error. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "cortexm.h"

#undef errno
extern int errno;

void* _sbrk(ptrdiff_t increment) {
  (void)increment;
  errno = ENOMEM;
  return (void*)-1;
}

int _write(int fd, const char* buf, int len) {
  (void)fd;
  for (int i = 0; i < len; ++i)
    utvm_cortexm_uart_putc((uint8_t)buf[i]);
  return len;
}

int _read(int fd, char* buf, int len) {
  (void)fd;
  (void)buf;
  (void)len;
  errno = EIO;
  return -1;
}

int _close(int fd) {
  (void)fd;
  errno = EBADF;
  return -1;
}

int _lseek(int fd, int offset, int whence) {
  (void)fd;
  (void)offset;
  (void)whence;
  errno = ESPIPE;
  return -1;
}

int _fstat(int fd, struct stat* st) {
  (void)fd;
  st->st_mode = S_IFCHR;
  return 0;
}

int _isatty(int fd) {
  (void)fd;
  return 1;
}

int _getpid(void) {
  return 1;
}

int _kill(int pid, int sig) {
  (void)pid;
  (void)sig;
  errno = EINVAL;
  return -1;
}

void _exit(int status) {
  (void)status;
  utvm_cortexm_reset();
}
