/* utvm-avr-sim: runs an AVR firmware (ELF or Intel hex) under libsimavr and bridges its UART0 to
 * stdin/stdout, so the arduino platform can reach an emulated board through two pipes.
 *
 *   utvm-avr-sim [--mcu atmega2560] [--freq 16000000] [--max-seconds S] firmware.elf|firmware.hex
 *   utvm-avr-sim --version
 *
 * - UART0 TX bytes go to stdout raw, unbuffered beyond one polling interval; stdin bytes go to
 *   UART0 RX, fed only after simavr's XON (the firmware polled the status register with the
 *   receiver on and its FIFO empty) and until its XOFF (FIFO full): simavr drops bytes
 *   otherwise. A firmware that never reads UCSR0A gets no input.
 * - Nothing but firmware bytes reaches stdout: simavr's "Loaded ..." lines are silenced and its
 *   line dump of UART output (AVR_UART_FLAG_STDIO) is switched off. Messages go to stderr.
 * - simavr's usleep() on every poll of an empty receiver (AVR_UART_FLAG_POLL_SLEEP) is off.
 * - Ends when stdin reaches EOF (the host closed the link or died: exit 0, once the firmware has
 *   been quiet for 1M cycles, at most 1 s later), when the firmware
 *   stops the CPU (cli + sleep: exit 0) or crashes (exit 3), after --max-seconds of wall time
 *   (exit 4), and with its parent (PR_SET_PDEATHSIG). Exit 2 = bad usage or firmware. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "avr_uart.h"
#include "sim_avr.h"
#include "sim_elf.h"
#include "sim_hex.h"
#include "sim_irq.h"

#define OUT_CAP 4096
#define IN_CAP 4096
/* avr_run() calls between looks at the pipes (about 40 us of simulated time at 16 MHz). */
#define POLL_EVERY 1024

static uint8_t g_out[OUT_CAP];
static size_t g_out_len;
static int g_out_fd = 1; /* the firmware's bytes; fd 1 itself is simavr's chatter afterwards */
/* simavr's flow control: XOFF when its receive FIFO is full, XON when the firmware reads the
 * status register while that FIFO is empty (so also: the receiver is on and the firmware is
 * waiting). Bytes raised while the receiver is off are dropped, hence "not ready" at start. */
static int g_rx_ready = 0;
static avr_t* g_avr;
static avr_cycle_count_t g_last_tx_cycle;

static void flush_out(void) {
  size_t done = 0;
  while (done < g_out_len) {
    ssize_t w = write(g_out_fd, g_out + done, g_out_len - done);
    if (w < 0) {
      if (errno == EINTR) continue;
      /* The host is gone. */
      _exit(0);
    }
    done += (size_t)w;
  }
  g_out_len = 0;
}

static void on_tx(struct avr_irq_t* irq, uint32_t value, void* param) {
  (void)irq;
  (void)param;
  if (g_out_len == OUT_CAP) flush_out();
  g_out[g_out_len++] = (uint8_t)(value & 0xffu);
  g_last_tx_cycle = g_avr->cycle;
}

static void on_xon(struct avr_irq_t* irq, uint32_t value, void* param) {
  (void)irq;
  (void)value;
  (void)param;
  g_rx_ready = 1;
}

static void on_xoff(struct avr_irq_t* irq, uint32_t value, void* param) {
  (void)irq;
  (void)value;
  (void)param;
  g_rx_ready = 0;
}

/* The buffers elf_read_firmware allocated. */
static void free_firmware(elf_firmware_t* fw) {
  free(fw->flash);
  free(fw->eeprom);
  free(fw->fuse);
  free(fw->lockbits);
  fw->flash = fw->eeprom = fw->fuse = fw->lockbits = NULL;
}

static int ends_with(const char* s, const char* suffix) {
  size_t n = strlen(s), m = strlen(suffix);
  return n >= m && strcmp(s + n - m, suffix) == 0;
}

static double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void usage(void) {
  fprintf(stderr,
          "usage: utvm-avr-sim [--mcu MCU] [--freq HZ] [--max-seconds S] firmware.elf|.hex\n");
}

int main(int argc, char** argv) {
  const char* mcu = NULL;
  unsigned long freq = 0;
  double max_seconds = 0;
  const char* image = NULL;
  for (int i = 1; i < argc; ++i) {
    if (strcmp(argv[i], "--version") == 0) {
      printf("utvm-avr-sim 1 (libsimavr)\n");
      return 0;
    } else if (strcmp(argv[i], "--mcu") == 0 && i + 1 < argc) {
      mcu = argv[++i];
    } else if (strcmp(argv[i], "--freq") == 0 && i + 1 < argc) {
      freq = strtoul(argv[++i], NULL, 0);
    } else if (strcmp(argv[i], "--max-seconds") == 0 && i + 1 < argc) {
      max_seconds = strtod(argv[++i], NULL);
    } else if (argv[i][0] == '-' || image) {
      usage();
      return 2;
    } else {
      image = argv[i];
    }
  }
  if (!image) {
    usage();
    return 2;
  }
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  signal(SIGPIPE, SIG_IGN);

  /* libsimavr prints "Loaded N bytes ..." to stdout: point fd 1 elsewhere while loading. */
  fflush(stdout);
  int saved_stdout = dup(1);
  int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
  if (saved_stdout < 0 || devnull < 0) {
    perror("utvm-avr-sim");
    return 2;
  }
  dup2(devnull, 1);

  elf_firmware_t fw;
  memset(&fw, 0, sizeof fw);
  ihex_chunk_p chunks = NULL;
  int nchunks = 0;
  if (ends_with(image, ".hex")) {
    nchunks = read_ihex_chunks(image, &chunks);
    if (nchunks <= 0) {
      dup2(saved_stdout, 1);
      fprintf(stderr, "utvm-avr-sim: cannot read Intel hex file %s\n", image);
      return 2;
    }
  } else if (elf_read_firmware(image, &fw) != 0) {
    dup2(saved_stdout, 1);
    fprintf(stderr, "utvm-avr-sim: cannot read ELF firmware %s\n", image);
    return 2;
  }
  if (mcu) snprintf(fw.mmcu, sizeof fw.mmcu, "%s", mcu);
  if (freq) fw.frequency = (uint32_t)freq;
  if (!fw.mmcu[0] || !fw.frequency) {
    dup2(saved_stdout, 1);
    fprintf(stderr, "utvm-avr-sim: %s does not say its MCU and clock; pass --mcu and --freq\n",
            image);
    free_firmware(&fw);
    if (chunks) free_ihex_chunks(chunks);
    return 2;
  }
  avr_t* avr = avr_make_mcu_by_name(fw.mmcu);
  if (!avr) {
    dup2(saved_stdout, 1);
    fprintf(stderr, "utvm-avr-sim: simavr does not know the MCU '%s'\n", fw.mmcu);
    free_firmware(&fw);
    if (chunks) free_ihex_chunks(chunks);
    return 2;
  }
  avr_init(avr);
  g_avr = avr;
  avr->log = LOG_NONE;
  if (nchunks > 0) {
    avr->frequency = fw.frequency;
    for (int c = 0; c < nchunks; ++c) {
      if (chunks[c].baseaddr < 0x800000u) /* flash; EEPROM / fuse chunks are ignored */
        avr_loadcode(avr, chunks[c].data, chunks[c].size, chunks[c].baseaddr);
    }
    free_ihex_chunks(chunks);
  } else {
    avr_load_firmware(avr, &fw);
  }
  /* avr_load_firmware copies the image into the simulated MCU; elf_read_firmware's buffers are
   * ours to free (ASan reported them as leaked). */
  free_firmware(&fw);
  avr->log = LOG_ERROR;
  /* libsimavr keeps printing to stdout while it runs ("UART-0 configured to ..." when the
   * firmware sets the baud rate): the firmware's bytes get their own fd, and fd 1 becomes
   * stderr, so nothing but firmware bytes ever reaches the pipe. */
  fflush(stdout);
  setvbuf(stdout, NULL, _IOLBF, 0);
  g_out_fd = saved_stdout;
  dup2(2, 1);
  close(devnull);

  uint32_t flags = 0;
  avr_ioctl(avr, AVR_IOCTL_UART_GET_FLAGS('0'), &flags);
  /* No line dump on the console, and no usleep() each time the firmware polls an empty
   * receiver's status register (simavr's default): that made a polling firmware crawl at a few
   * thousand instructions per second. */
  flags &= ~(uint32_t)(AVR_UART_FLAG_STDIO | AVR_UART_FLAG_POLL_SLEEP);
  avr_ioctl(avr, AVR_IOCTL_UART_SET_FLAGS('0'), &flags);
  avr_irq_register_notify(avr_io_getirq(avr, AVR_IOCTL_UART_GETIRQ('0'), UART_IRQ_OUTPUT), on_tx,
                          NULL);
  avr_irq_register_notify(avr_io_getirq(avr, AVR_IOCTL_UART_GETIRQ('0'), UART_IRQ_OUT_XON), on_xon,
                          NULL);
  avr_irq_register_notify(avr_io_getirq(avr, AVR_IOCTL_UART_GETIRQ('0'), UART_IRQ_OUT_XOFF),
                          on_xoff, NULL);
  avr_irq_t* rx = avr_io_getirq(avr, AVR_IOCTL_UART_GETIRQ('0'), UART_IRQ_INPUT);

  int flags_in = fcntl(0, F_GETFL);
  if (flags_in >= 0) fcntl(0, F_SETFL, flags_in | O_NONBLOCK);
  uint8_t in[IN_CAP];
  size_t in_pos = 0, in_len = 0;
  int stdin_open = 1;
  double eof_at = 0;
  const double deadline = max_seconds > 0 ? now_seconds() + max_seconds : 0;
  unsigned long steps = 0;
  for (;;) {
    int state = avr_run(avr);
    if (state == cpu_Done || state == cpu_Crashed) {
      flush_out();
      fprintf(stderr, "utvm-avr-sim: firmware %s after %llu cycles\n",
              state == cpu_Done ? "stopped the CPU" : "CRASHED", (unsigned long long)avr->cycle);
      return state == cpu_Done ? 0 : 3;
    }
    if (++steps % POLL_EVERY != 0) continue;
    if (g_out_len) flush_out();
    if (in_pos == in_len && stdin_open) {
      ssize_t r = read(0, in, sizeof in);
      if (r > 0) {
        in_pos = 0;
        in_len = (size_t)r;
      } else if (r == 0) {
        stdin_open = 0;
      } else if (errno != EAGAIN && errno != EINTR) {
        stdin_open = 0;
      }
    }
    while (g_rx_ready && in_pos < in_len)
      avr_raise_irq(rx, in[in_pos++]);
    if (!stdin_open && in_pos == in_len) {
      /* The host closed its end: let the firmware finish answering (until it has sent nothing
       * for 1M cycles, at most one wall second), then stop. */
      if (eof_at == 0) eof_at = now_seconds();
      if (avr->cycle - g_last_tx_cycle > 1000000u || now_seconds() - eof_at > 1.0) {
        flush_out();
        return 0;
      }
    }
    if (deadline > 0 && (steps % (POLL_EVERY * 64)) == 0 && now_seconds() > deadline) {
      flush_out();
      fprintf(stderr, "utvm-avr-sim: stopped after --max-seconds %g\n", max_seconds);
      return 4;
    }
  }
}
