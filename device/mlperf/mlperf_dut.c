/* MLPerf Tiny DUT: command parsing and replies (see utvm/mlperf_dut.h). The reply texts follow
 * the reference firmware (mlcommons/tiny benchmark/api) word for word, typos included, because the
 * runner and people's log parsers know them. */
#include "utvm/mlperf_dut.h"

#include <string.h>

#include "utvm/port.h"

/* Reply texts: on AVR they stay in flash (avr-gcc copies every string literal into the 2-8 KiB of
 * RAM otherwise, 1.2 KiB here) and put() reads them from there; elsewhere plain literals. Every
 * string put() prints is a TEXT() or a FLASH array; text built at run time goes to put_n(). */
#if defined(__AVR__)
#include <avr/pgmspace.h>
#define TEXT(s) PSTR(s)
#define FLASH PROGMEM
#else
#define TEXT(s) (s)
#define FLASH
#endif

static const char kProfile[] FLASH = "ULPMark for tinyML Firmware V0.0.1";
static const char kVendor[] FLASH = "utvm";
static const char kModelIds[][6] FLASH = {"kws01", "ic01", "vww01", "ad01"};

/* --- Output ------------------------------------------------------------------------------- */

static void put_n(const char* s, size_t n) {
  utvm_port_write((const uint8_t*)s, n);
}

/* A TEXT() or FLASH string. */
static void put(const char* s) {
#if defined(__AVR__)
  char chunk[16];
  size_t n = 0;
  for (char c; (c = (char)pgm_read_byte(s)) != '\0'; ++s) {
    chunk[n++] = c;
    if (n == sizeof chunk) {
      put_n(chunk, n);
      n = 0;
    }
  }
  if (n) put_n(chunk, n);
#else
  put_n(s, strlen(s));
#endif
}

static void end_line(void) {
  put(TEXT("\r\n"));
}

static void put_u64(uint64_t v) {
  char digits[21];
  size_t n = 0;
  do {
    digits[sizeof digits - 1 - n++] = (char)('0' + v % 10u);
    v /= 10u;
  } while (v != 0);
  put_n(digits + sizeof digits - n, n);
}

/* Text that came from the host, shown back: printable ASCII only (anything else becomes '?'),
 * and never the reply terminator ("m-ready" inside any other line ends the runner's reply). */
static void put_echo(const char* s, size_t n) {
  static const char kReady[] = "m-ready";
  for (size_t i = 0; i < n; ++i) {
    char c = s[i];
    if ((unsigned char)c < 0x20 || (unsigned char)c > 0x7e) c = '?';
    if (c == '-' && i > 0 && s[i - 1] == 'm' && n - i >= sizeof kReady - 2 &&
        memcmp(s + i - 1, kReady, sizeof kReady - 1) == 0)
      c = '_';
    put_n(&c, 1);
  }
}

static void ready(void) {
  put(TEXT("m-ready\r\n"));
}

static uint64_t now_us(void) {
  return utvm_port_time_ns() / 1000u;
}

static void lap(void) {
  put(TEXT("m-lap-us-"));
  put_u64(now_us());
  end_line();
}

/* --- Floats ------------------------------------------------------------------------------- */

static uint64_t pow10u(unsigned n) {
  uint64_t p = 1;
  while (n-- > 0)
    p *= 10u;
  return p;
}

size_t utvm_mlperf_format_float(float v, unsigned decimals, char* out) {
  size_t n = 0;
  if (v != v) {
    memcpy(out, "nan", 4);
    return 3;
  }
  if (v < 0) {
    out[n++] = '-';
    v = -v;
  }
  if (v > 3.4e38f) {
    memcpy(out + n, "inf", 4);
    return n + 3;
  }
  if (decimals > 9) decimals = 9;
  /* Single precision only (no soft double on FPv4-SP or FPU-less cores): the integer part as an
   * integer, the fraction (exact: v - trunc(v)) scaled and rounded on its own. */
  const uint32_t scale = (uint32_t)pow10u(decimals);
  /* Conversions to 32 bits only: float to 64-bit integer is a soft-double routine in libgcc. */
  if (v == 0 || (v < 4.0e9f && v * (float)scale + 0.5f >= 1.0f)) {
    uint32_t whole = (uint32_t)v;
    uint32_t frac = (uint32_t)((v - (float)whole) * (float)scale + 0.5f);
    if (frac >= scale) {
      frac -= scale;
      ++whole;
    }
    /* Fixed: integer part, '.', `decimals` digits. */
    char digits[21];
    size_t k = 0;
    do {
      digits[sizeof digits - 1 - k++] = (char)('0' + whole % 10u);
      whole /= 10u;
    } while (whole != 0);
    memcpy(out + n, digits + sizeof digits - k, k);
    n += k;
    if (decimals > 0) {
      out[n++] = '.';
      for (unsigned i = decimals; i-- > 0;) {
        out[n + i] = (char)('0' + frac % 10u);
        frac /= 10u;
      }
      n += decimals;
    }
    out[n] = '\0';
    return n;
  }
  /* Scientific, 7 significant digits: d.dddddde[+-]x. */
  /* The exponent by counting, the mantissa by one multiplication or division (fewer roundings
   * than dividing step by step): 7 significant digits, the last within one unit. */
  int exp10 = 0;
  float p = 1.0f;
  if (v >= 10.0f) {
    while (v / p >= 10.0f) {
      p *= 10.0f;
      ++exp10;
    }
  } else {
    while (v * p < 1.0f) {
      p *= 10.0f;
      --exp10;
    }
  }
  const float m = exp10 >= 0 ? v / p : v * p;
  uint32_t digits7 = (uint32_t)(m * 1e6f + 0.5f);
  if (digits7 >= 10000000u) {
    digits7 /= 10u;
    ++exp10;
  }
  out[n++] = (char)('0' + digits7 / 1000000u);
  out[n++] = '.';
  for (unsigned i = 6; i-- > 0;) {
    out[n + i] = (char)('0' + digits7 % 10u);
    digits7 /= 10u;
  }
  n += 6;
  out[n++] = 'e';
  out[n++] = exp10 < 0 ? '-' : '+';
  unsigned e = (unsigned)(exp10 < 0 ? -exp10 : exp10);
  out[n++] = (char)('0' + e / 10u); /* two digits, as printf's %e */
  out[n++] = (char)('0' + e % 10u);
  out[n] = '\0';
  return n;
}

/* --- Tensors ------------------------------------------------------------------------------ */

static int is_quantized(const utvm_tensor_t* t) {
  return t->dtype_bits == 8 && (t->dtype_code == 0 || t->dtype_code == 1);
}

static int is_float32(const utvm_tensor_t* t) {
  return t->dtype_code == 2 && t->dtype_bits == 32;
}

static uint32_t element_count(const utvm_tensor_t* t) {
  uint32_t bytes = (uint32_t)t->dtype_bits / 8u * (t->dtype_lanes ? t->dtype_lanes : 1u);
  return bytes ? t->nbytes / bytes : 0;
}

/* Element i of an int8/uint8/float32 tensor as a real value. */
static float tensor_value(const utvm_mlperf_config_t* cfg, const utvm_tensor_t* t, uint32_t i) {
  if (is_float32(t)) {
    float f;
    memcpy(&f, t->data + 4u * i, 4);
    return f;
  }
  int32_t q = t->dtype_code == 0 ? (int32_t)(int8_t)t->data[i] : (int32_t)t->data[i];
  return cfg->output_scale * (float)(q - cfg->output_zero_point);
}

/* The model input's size in bytes the sample must have. */
static size_t sample_bytes(const utvm_mlperf_dut_t* dut) {
  const utvm_tensor_t* in = &dut->model->inputs[0];
  if (dut->config->benchmark == UTVM_MLPERF_AD01 && is_quantized(in))
    return (size_t)element_count(in) * 4u;
  return in->nbytes;
}

static float sample_float(const utvm_mlperf_dut_t* dut, uint32_t i) {
  float f;
  memcpy(&f, dut->sample + 4u * i, 4);
  return f;
}

/* th_load_tensor: the sample into the model input. */
static void load_tensor(utvm_mlperf_dut_t* dut) {
  const utvm_mlperf_config_t* cfg = dut->config;
  utvm_tensor_t* in = &dut->model->inputs[0];
  if (cfg->benchmark == UTVM_MLPERF_AD01 && is_quantized(in)) {
    const uint32_t n = element_count(in);
    const int32_t lo = in->dtype_code == 0 ? -128 : 0, hi = in->dtype_code == 0 ? 127 : 255;
    for (uint32_t i = 0; i < n; ++i) {
      float x = sample_float(dut, i) / cfg->input_scale;
      int32_t q = (int32_t)(x < 0 ? x - 0.5f : x + 0.5f) + cfg->input_zero_point;
      if (q < lo) q = lo;
      if (q > hi) q = hi;
      in->data[i] = (uint8_t)q;
    }
    return;
  }
  const int shift = (cfg->benchmark == UTVM_MLPERF_IC01 || cfg->benchmark == UTVM_MLPERF_VWW01) &&
                    in->dtype_code == 0;
  for (uint32_t i = 0; i < in->nbytes; ++i)
    in->data[i] = shift ? (uint8_t)(dut->sample[i] - 128u) : dut->sample[i];
}

/* ad01: mean square error between the input window and its reconstruction. */
static float reconstruction_mse(const utvm_mlperf_dut_t* dut) {
  const utvm_tensor_t* out = &dut->model->outputs[0];
  const uint32_t n = element_count(&dut->model->inputs[0]);
  const uint32_t m = element_count(out);
  float sum = 0;
  const uint32_t count = n < m ? n : m;
  for (uint32_t i = 0; i < count; ++i) {
    const float d = sample_float(dut, i) - tensor_value(dut->config, out, i);
    sum += d * d;
  }
  return count ? sum / (float)count : 0.0f;
}

/* th_results: m-results-[v0,v1,...]. Scores the runner divides by their sum: when none is
 * positive (a model stuck at its lowest output) the line says so before a uniform vector, whose
 * argmax (the lowest index) is the model's too, instead of one that crashes the runner. */
static void print_results(utvm_mlperf_dut_t* dut) {
  const utvm_mlperf_config_t* cfg = dut->config;
  char text[32];
  if (cfg->benchmark == UTVM_MLPERF_AD01) {
    put(TEXT("m-results-["));
    put_n(text, utvm_mlperf_format_float(dut->ad_mse, 6, text));
    put(TEXT("]\r\n"));
    return;
  }
  const utvm_tensor_t* out = &dut->model->outputs[0];
  const uint32_t n = element_count(out);
  int any_positive = 0;
  for (uint32_t i = 0; i < n; ++i)
    if (tensor_value(cfg, out, i) > 0) any_positive = 1;
  if (!any_positive) put(TEXT("e-[No positive score: reporting equal scores]\r\n"));
  put(TEXT("m-results-["));
  for (uint32_t i = 0; i < n; ++i) {
    if (i) put(TEXT(","));
    const float v = any_positive ? tensor_value(cfg, out, i) : 1.0f / (float)n;
    put_n(text, utvm_mlperf_format_float(v, cfg->result_decimals, text));
  }
  put(TEXT("]\r\n"));
}

/* --- Commands ----------------------------------------------------------------------------- */

typedef struct {
  const char* s;
  size_t n;
} token_t;

/* Splits on spaces; at most `max` tokens (the last holds the rest). */
static size_t tokenize(char* cmd, size_t len, token_t* tok, size_t max) {
  size_t count = 0, i = 0;
  while (i < len && count < max) {
    while (i < len && cmd[i] == ' ')
      ++i;
    if (i == len) break;
    size_t start = i;
    while (i < len && cmd[i] != ' ')
      ++i;
    tok[count].s = cmd + start;
    tok[count].n = i - start;
    ++count;
  }
  return count;
}

static int token_is(const token_t* t, const char* word) {
  return t->n == strlen(word) && memcmp(t->s, word, t->n) == 0;
}

/* A decimal integer with an optional sign; 0 when it is not one (as the reference's atoi). */
static int64_t parse_int(const token_t* t) {
  size_t i = 0;
  int neg = 0;
  if (i < t->n && (t->s[i] == '-' || t->s[i] == '+')) neg = t->s[i++] == '-';
  int64_t v = 0;
  for (; i < t->n && t->s[i] >= '0' && t->s[i] <= '9'; ++i) {
    if (v < 100000000000LL) v = v * 10 + (t->s[i] - '0');
  }
  return neg ? -v : v;
}

static int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

static void cmd_db(utvm_mlperf_dut_t* dut, const token_t* tok, size_t ntok) {
  if (ntok < 2) {
    put(TEXT("e-[Command 'db' requires a subcommand: load N, <hex digits> or print]\r\n"));
    return;
  }
  if (token_is(&tok[1], "load")) {
    if (ntok < 3) {
      put(TEXT("e-[Command 'db load' requires the # of bytes]\r\n"));
      return;
    }
    const int64_t n = parse_int(&tok[2]);
    if (n <= 0) {
      put(TEXT("e-[Command 'db load' must be >0 bytes]\r\n"));
      return;
    }
    dut->expected = 0;
    dut->loaded = 0;
    if ((uint64_t)n > (uint64_t)dut->sample_cap) {
      put(TEXT("e-[Supplied buffer size "));
      put_u64((uint64_t)n);
      put(TEXT(" exceeds maximum of "));
      put_u64((uint64_t)dut->sample_cap);
      put(TEXT("]\r\n"));
      return;
    }
    dut->expected = (size_t)n;
    put(TEXT("m-[Expecting "));
    put_u64((uint64_t)n);
    put(TEXT(" bytes]\r\n"));
    return;
  }
  if (token_is(&tok[1], "print")) {
    static const char kHex[] = "0123456789abcdef";
    for (size_t i = 0; i < dut->loaded; i += 8) {
      put(TEXT("m-buffer"));
      for (size_t j = i; j < i + 8 && j < dut->loaded; ++j) {
        const char b[3] = {'-', kHex[dut->sample[j] >> 4], kHex[dut->sample[j] & 0xF]};
        put_n(b, 3);
      }
      end_line();
    }
    return;
  }
  /* db <hex>: the digits are every token after "db" (the runner sends one). */
  if (dut->expected == 0) {
    put(TEXT("e-[No 'db load' in progress]\r\n"));
    return;
  }
  const token_t* hex = &tok[1];
  if (hex->n % 2 != 0) {
    put(TEXT("e-[Insufficent number of hex digits]\r\n"));
    return;
  }
  for (size_t i = 0; i < hex->n && dut->loaded < dut->expected; i += 2) {
    const int hi = hex_value(hex->s[i]), lo = hex_value(hex->s[i + 1]);
    if (hi < 0 || lo < 0) {
      put(TEXT("e-[Invalid hex digit '"));
      put_echo(hex->s + i, 2);
      put(TEXT("']\r\n"));
      return;
    }
    dut->sample[dut->loaded++] = (uint8_t)(hi << 4 | lo);
    if (dut->loaded == dut->expected) put(TEXT("m-load-done\r\n"));
  }
}

static void cmd_infer(utvm_mlperf_dut_t* dut, const token_t* tok, size_t ntok) {
  const int64_t n = ntok > 1 ? parse_int(&tok[1]) : 1;
  const int64_t w = ntok > 2 ? parse_int(&tok[2]) : 10;
  if (n <= 0) {
    put(TEXT("e-[Inference iterations must be >0]\r\n"));
    return;
  }
  if (w < 0) {
    put(TEXT("e-[Inference warmup must be >=0]\r\n"));
    return;
  }
  const size_t want = sample_bytes(dut);
  if (dut->loaded < want) {
    /* The runner needs m-results after every infer: run anyway, say what is missing. */
    put(TEXT("e-[Sample incomplete: "));
    put_u64((uint64_t)dut->loaded);
    put(TEXT(" of "));
    put_u64((uint64_t)want);
    put(TEXT(" bytes loaded]\r\n"));
  }
  load_tensor(dut);
  int32_t status = 0;
  put(TEXT("m-warmup-start-"));
  put_u64((uint64_t)w);
  end_line();
  for (int64_t i = 0; i < w && status == 0; ++i)
    status = dut->model->run();
  put(TEXT("m-warmup-done\r\n"));
  put(TEXT("m-infer-start-"));
  put_u64((uint64_t)n);
  end_line();
  lap();
  for (int64_t i = 0; i < n && status == 0; ++i)
    status = dut->model->run();
  lap();
  put(TEXT("m-infer-done\r\n"));
  if (status != 0) {
    put(TEXT("e-[Inference failed: model error "));
    put_u64((uint64_t)(uint32_t)status);
    put(TEXT("]\r\n"));
  }
  if (dut->config->benchmark == UTVM_MLPERF_AD01) dut->ad_mse = reconstruction_mse(dut);
  dut->have_result = 1;
  print_results(dut);
}

static void cmd_help(void) {
  put(kProfile);
  end_line();
  put(TEXT("name        - print the name of the device\r\n"));
  put(TEXT("profile     - print the firmware and model ids\r\n"));
  put(TEXT("timestamp   - print a timestamp (microseconds)\r\n"));
  put(TEXT("db load N   - allocate N bytes for the sample\r\n"));
  put(TEXT("db HH[HH..] - load the sample's bytes as hex digits\r\n"));
  put(TEXT("db print    - print the loaded bytes\r\n"));
  put(TEXT("infer N W   - W warm-up and N timed inferences\r\n"));
  put(TEXT("results     - print the last results\r\n"));
}

static void dispatch(utvm_mlperf_dut_t* dut) {
  token_t tok[3];
  const size_t ntok = tokenize(dut->cmd, dut->cmd_len, tok, 3);
  if (ntok == 0) {
    /* An empty command: nothing to do, but every command gets its m-ready. */
  } else if (token_is(&tok[0], "name")) {
    put(TEXT("m-name-dut-["));
    put(kVendor);
    put(TEXT("]\r\n"));
  } else if (token_is(&tok[0], "profile")) {
    put(TEXT("m-profile-["));
    put(kProfile);
    put(TEXT("]\r\nm-model-["));
    put(kModelIds[dut->config->benchmark]);
    put(TEXT("]\r\n"));
  } else if (token_is(&tok[0], "db")) {
    cmd_db(dut, tok, ntok);
  } else if (token_is(&tok[0], "infer")) {
    cmd_infer(dut, tok, ntok);
  } else if (token_is(&tok[0], "results")) {
    if (dut->have_result)
      print_results(dut);
    else
      put(TEXT("e-[No results yet: run infer first]\r\n"));
  } else if (token_is(&tok[0], "timestamp")) {
    lap();
  } else if (token_is(&tok[0], "help")) {
    cmd_help();
  } else {
    put(TEXT("e-[Unknown command: "));
    put_echo(tok[0].s, tok[0].n);
    put(TEXT("]\r\n"));
  }
  ready();
}

/* --- Entry points ------------------------------------------------------------------------- */

void utvm_mlperf_init(utvm_mlperf_dut_t* dut, const utvm_mlperf_config_t* config,
                      const utvm_model_t* model, uint8_t* sample, size_t sample_cap) {
  memset(dut, 0, sizeof *dut);
  dut->config = config;
  dut->model = model;
  dut->sample = sample;
  dut->sample_cap = sample_cap;
}

void utvm_mlperf_banner(utvm_mlperf_dut_t* dut) {
  (void)dut;
  put(TEXT("m-timestamp-mode-performance\r\n"));
  lap();
  put(TEXT("m-init-done\r\n"));
  ready();
}

void utvm_mlperf_feed(utvm_mlperf_dut_t* dut, uint8_t c) {
  if (c == '%') {
    dut->cmd[dut->cmd_len] = '\0';
    dispatch(dut);
    dut->cmd_len = 0;
    return;
  }
  if (c == '\r' || c == '\n' || c == '\0') return;
  if (dut->cmd_len < UTVM_MLPERF_CMD_MAX)
    dut->cmd[dut->cmd_len++] = (char)c;
  else
    dut->cmd[UTVM_MLPERF_CMD_MAX - 1] = (char)c;
}

int utvm_mlperf_serve(utvm_mlperf_dut_t* dut) {
  uint8_t buf[64];
  utvm_mlperf_banner(dut);
  for (;;) {
    const int got = utvm_port_read(buf, sizeof buf);
    if (got < 0) return -1;
    for (int i = 0; i < got; ++i)
      utvm_mlperf_feed(dut, buf[i]);
  }
}
