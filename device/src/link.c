/* Device side of utvm's link protocol (docs/link-protocol.md, constants in utvm/link_proto.h).
 * Stop-and-wait: read one request frame into the caller's buffer, check it, answer it. Responses
 * are streamed from the tensors through a small staging buffer, so nothing large is copied.
 * A firmware may hold several modules: HELLO selects one (g_link.module) and every other request
 * addresses the selected one. */
#include "utvm/link.h"

#include <string.h>

#include "utvm/crc16.h"
#include "utvm/link_proto.h"
#include "utvm/port.h"
#include "utvm/workspace.h"

/* Small writes (headers, scalars) are gathered here so a response usually leaves in one write. */
#define UTVM_LINK_TX_STAGE 48

static struct {
  uint8_t stage[UTVM_LINK_TX_STAGE];
  size_t staged;
  uint16_t crc;
  int dead;
} g_tx;

static void tx_flush(void) {
  if (g_tx.staged != 0 && !g_tx.dead && utvm_port_write(g_tx.stage, g_tx.staged) < 0) g_tx.dead = 1;
  g_tx.staged = 0;
}

static void tx_raw(const uint8_t* p, size_t n) {
  if (n <= UTVM_LINK_TX_STAGE - g_tx.staged) {
    memcpy(g_tx.stage + g_tx.staged, p, n);
    g_tx.staged += n;
    return;
  }
  tx_flush();
  if (n < UTVM_LINK_TX_STAGE) {
    memcpy(g_tx.stage, p, n);
    g_tx.staged = n;
  } else if (!g_tx.dead && utvm_port_write(p, n) < 0) {
    g_tx.dead = 1;
  }
}

static void tx_bytes(const void* p, size_t n) {
  if (n == 0) return;
  g_tx.crc = utvm_crc16_update(g_tx.crc, (const uint8_t*)p, n);
  tx_raw((const uint8_t*)p, n);
}

static void put_le(uint8_t* b, uint64_t v, unsigned n) {
  unsigned i;
  for (i = 0; i < n; ++i)
    b[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get_le(const uint8_t* b, unsigned n) {
  uint32_t v = 0;
  unsigned i;
  for (i = 0; i < n; ++i)
    v |= (uint32_t)b[i] << (8 * i);
  return v;
}

static void tx_le(uint64_t v, unsigned n) {
  uint8_t b[8];
  put_le(b, v, n);
  tx_bytes(b, n);
}

static void tx_begin(uint8_t seq, uint8_t type, size_t len) {
  uint8_t h[UTVM_LINK_HEADER_BYTES];
  h[0] = UTVM_LINK_SYNC;
  h[1] = seq;
  h[2] = type;
  h[3] = (uint8_t)len;
  h[4] = (uint8_t)(len >> 8);
  h[5] = (uint8_t)utvm_crc16_update(UTVM_CRC16_INIT, h + 1, 4);
  g_tx.crc = utvm_crc16_update(UTVM_CRC16_INIT, h + 1, 5);
  tx_raw(h, sizeof(h));
}

static void tx_end(void) {
  uint8_t c[2];
  put_le(c, g_tx.crc, 2);
  tx_raw(c, 2);
  tx_flush();
}

static void send_simple(uint8_t seq, uint8_t type, const uint8_t* payload, size_t len) {
  tx_begin(seq, type, len);
  tx_bytes(payload, len);
  tx_end();
}

static void send_error(uint8_t seq, uint8_t cmd, uint16_t code, int32_t detail) {
  uint8_t p[7];
  p[0] = cmd;
  put_le(p + 1, code, 2);
  put_le(p + 3, (uint32_t)detail, 4);
  send_simple(seq, UTVM_LINK_TYPE_ERROR, p, sizeof(p));
}

static void send_nak(uint8_t seq, uint16_t code) {
  uint8_t p[2];
  put_le(p, code, 2);
  send_simple(seq, UTVM_LINK_TYPE_NAK, p, sizeof(p));
}

static size_t str_len255(const char* s) {
  size_t n = 0;
  if (s == NULL) return 0;
  while (n < 255 && s[n] != '\0')
    ++n;
  return n;
}

static void tx_str(const char* s) {
  size_t n = str_len255(s);
  tx_le(n, 1);
  tx_bytes(s, n);
}

/* The served modules and the session. The session token (docs/link-protocol.md, "Device
 * resets") is zero after a boot or a RESET and set by HELLO; a HELLO answer carries the token
 * that was in force before it, so the host can tell that the device rebooted (and lost its
 * inputs) since the session began. `module` is the index HELLO selected (0 after a boot). */
static struct {
  const utvm_model_t* const* models;
  uint16_t num_models;
  uint16_t module;
  uint32_t session;
} g_link;

static void handle_hello(const utvm_model_t* m, uint8_t seq, size_t max_payload) {
  size_t name_len = str_len255(m->name);
  size_t id_len = str_len255(m->build_id);
  size_t table_len = 1;
  uint16_t i;
  for (i = 0; i < g_link.num_models; ++i)
    table_len += 5 + str_len255(g_link.models[i]->name);
  tx_begin(seq, UTVM_LINK_CMD_HELLO | UTVM_LINK_RESPONSE,
           12 + 2 + name_len + id_len + 4 + table_len);
  tx_le(UTVM_LINK_PROTOCOL_VERSION, 1);
  tx_le(0, 1); /* flags */
  tx_le(max_payload, 2);
  tx_le(m->num_inputs, 2);
  tx_le(m->num_outputs, 2);
  tx_le(utvm_workspace_capacity(), 4);
  tx_str(m->name);
  tx_str(m->build_id);
  tx_le(g_link.session, 4);
  /* Every module: u8 count, then per module its name, inputs and outputs. */
  tx_le(g_link.num_models, 1);
  for (i = 0; i < g_link.num_models; ++i) {
    tx_str(g_link.models[i]->name);
    tx_le(g_link.models[i]->num_inputs, 2);
    tx_le(g_link.models[i]->num_outputs, 2);
  }
  tx_end();
}

static void handle_tensor_info(const utvm_tensor_t* t, uint8_t seq) {
  unsigned d;
  size_t ndim = t->ndim;
  tx_begin(seq, UTVM_LINK_CMD_TENSOR_INFO | UTVM_LINK_RESPONSE,
           10 + 8 * ndim + 1 + str_len255(t->name));
  tx_le(t->dtype_code, 1);
  tx_le(t->dtype_bits, 1);
  tx_le(t->dtype_lanes, 2);
  tx_le(t->nbytes, 4);
  tx_le(ndim, 1);
  tx_le(0, 1); /* reserved */
  for (d = 0; d < ndim; ++d)
    tx_le((uint64_t)t->shape[d], 8);
  tx_str(t->name);
  tx_end();
}

static void handle_run(const utvm_model_t* m, uint8_t seq, uint32_t count) {
  uint32_t i;
  uint32_t completed = 0;
  uint16_t error = UTVM_LINK_OK;
  int32_t status = 0;
  tx_begin(seq, UTVM_LINK_CMD_RUN | UTVM_LINK_RESPONSE, 4 + 8 * (size_t)count + 22);
  tx_le(count, 4);
  for (i = 0; i < count; ++i) {
    uint64_t elapsed = 0;
    if (error == UTVM_LINK_OK) {
      uint64_t t0;
      utvm_workspace_reset();
      t0 = utvm_port_time_ns();
      status = m->run();
      elapsed = utvm_port_time_ns() - t0;
      if (status != 0) {
        error = utvm_workspace_failed_request() != 0 ? UTVM_LINK_ERR_WORKSPACE_EXHAUSTED
                                                     : UTVM_LINK_ERR_RUN_FAILED;
        elapsed = 0;
      } else {
        ++completed;
      }
    }
    tx_le(elapsed, 8);
  }
  tx_le(error, 2);
  tx_le((uint32_t)status, 4);
  tx_le(completed, 4);
  {
    uint64_t failed = utvm_workspace_failed_request();
    tx_le(utvm_workspace_capacity(), 4);
    tx_le(utvm_workspace_high_water(), 4);
    tx_le(failed > 0xffffffffu ? 0xffffffffu : failed, 4);
  }
  tx_end();
}

static void clear_session(void) {
  uint16_t k, i;
  g_link.session = 0;
  g_link.module = 0;
  for (k = 0; k < g_link.num_models; ++k) {
    const utvm_model_t* m = g_link.models[k];
    for (i = 0; i < m->num_inputs; ++i)
      memset(m->inputs[i].data, 0, m->inputs[i].nbytes);
    for (i = 0; i < m->num_outputs; ++i)
      memset(m->outputs[i].data, 0, m->outputs[i].nbytes);
  }
  utvm_workspace_reset();
}

/* Answers one checked request frame. */
static void dispatch(uint8_t seq, uint8_t type, const uint8_t* p, size_t len, size_t max_payload) {
  const utvm_model_t* m = g_link.models[g_link.module];
  switch (type) {
    case UTVM_LINK_CMD_HELLO:
      if (len < 1) break;
      if (len >= 6) {
        if (p[5] >= g_link.num_models) {
          send_error(seq, type, UTVM_LINK_ERR_BAD_INDEX, p[5]);
          return;
        }
        g_link.module = p[5];
      }
      handle_hello(g_link.models[g_link.module], seq, max_payload);
      if (len >= 5) g_link.session = get_le(p + 1, 4);
      return;
    case UTVM_LINK_CMD_TENSOR_INFO: {
      uint32_t index;
      if (len != 3 || p[0] > 1) break;
      index = get_le(p + 1, 2);
      if (index >= (p[0] == 0 ? m->num_inputs : m->num_outputs)) {
        send_error(seq, type, UTVM_LINK_ERR_BAD_INDEX, (int32_t)index);
        return;
      }
      handle_tensor_info(p[0] == 0 ? &m->inputs[index] : &m->outputs[index], seq);
      return;
    }
    case UTVM_LINK_CMD_SET_INPUT: {
      uint32_t index, offset;
      size_t n;
      const utvm_tensor_t* t;
      if (len < 6) break;
      index = get_le(p, 2);
      offset = get_le(p + 2, 4);
      n = len - 6;
      if (index >= m->num_inputs) {
        send_error(seq, type, UTVM_LINK_ERR_BAD_INDEX, (int32_t)index);
        return;
      }
      t = &m->inputs[index];
      if (offset > t->nbytes || n > t->nbytes - offset) {
        send_error(seq, type, UTVM_LINK_ERR_OUT_OF_RANGE, (int32_t)offset);
        return;
      }
      memcpy(t->data + offset, p + 6, n);
      send_simple(seq, type | UTVM_LINK_RESPONSE, NULL, 0);
      return;
    }
    case UTVM_LINK_CMD_RUN: {
      uint32_t count;
      if (len != 4) break;
      count = get_le(p, 4);
      if (count == 0 || count > UTVM_LINK_MAX_RUNS_PER_REQUEST || m->run == NULL) {
        send_error(seq, type, UTVM_LINK_ERR_BAD_COUNT, (int32_t)count);
        return;
      }
      handle_run(m, seq, count);
      return;
    }
    case UTVM_LINK_CMD_GET_OUTPUT: {
      uint32_t index, offset, n;
      const utvm_tensor_t* t;
      if (len != 10) break;
      index = get_le(p, 2);
      offset = get_le(p + 2, 4);
      n = get_le(p + 6, 4);
      if (index >= m->num_outputs) {
        send_error(seq, type, UTVM_LINK_ERR_BAD_INDEX, (int32_t)index);
        return;
      }
      t = &m->outputs[index];
      if (offset > t->nbytes || n > t->nbytes - offset || n > UTVM_LINK_MAX_PAYLOAD) {
        send_error(seq, type, UTVM_LINK_ERR_OUT_OF_RANGE, (int32_t)offset);
        return;
      }
      send_simple(seq, type | UTVM_LINK_RESPONSE, t->data + offset, n);
      return;
    }
    case UTVM_LINK_CMD_RESET:
      if (len != 0) break;
      send_simple(seq, type | UTVM_LINK_RESPONSE, NULL, 0);
      utvm_port_reset();
      clear_session();
      return;
    default:
      send_error(seq, type, UTVM_LINK_ERR_UNKNOWN_COMMAND, type);
      return;
  }
  send_error(seq, type, UTVM_LINK_ERR_BAD_LENGTH, (int32_t)len);
}

static int read_exact(uint8_t* buf, size_t n) {
  while (n > 0) {
    int r = utvm_port_read(buf, n);
    if (r <= 0) return -1;
    buf += r;
    n -= (size_t)r;
  }
  return 0;
}

int utvm_link_serve(const utvm_model_t* const* models, uint16_t num_models, uint8_t* rx,
                    size_t rx_len) {
  uint8_t h[UTVM_LINK_HEADER_BYTES];
  size_t have = 0;
  size_t max_payload;
  if (models == NULL || num_models == 0 || num_models > UTVM_LINK_MAX_MODELS) {
    return UTVM_LINK_E_BAD_MODELS;
  }
  if (rx == NULL || rx_len < UTVM_LINK_MIN_RX_BUFFER) return UTVM_LINK_E_BAD_BUFFER;
  if (g_link.models != models || g_link.module >= num_models) g_link.module = 0;
  g_link.models = models;
  g_link.num_models = num_models;
  max_payload = rx_len - UTVM_LINK_TRAILER_BYTES;
  if (max_payload > UTVM_LINK_MAX_PAYLOAD) max_payload = UTVM_LINK_MAX_PAYLOAD;
  g_tx.staged = 0;
  g_tx.dead = 0;
  for (;;) {
    size_t len, i;
    uint16_t crc;
    int header_ok;
    if (g_tx.dead) return UTVM_LINK_E_DEAD_LINK;
    /* Hunt for SYNC one byte at a time, then read exactly the rest of the header. */
    if (have == 0) {
      if (read_exact(h, 1) != 0) return UTVM_LINK_E_DEAD_LINK;
      if (h[0] != UTVM_LINK_SYNC) continue;
      have = 1;
    }
    if (read_exact(h + have, sizeof(h) - have) != 0) return UTVM_LINK_E_DEAD_LINK;
    have = 0;
    len = (size_t)h[3] | ((size_t)h[4] << 8);
    header_ok = (uint8_t)utvm_crc16_update(UTVM_CRC16_INIT, h + 1, 4) == h[5];
    if (!header_ok || len > max_payload) {
      /* A damaged header, noise that looked like one, or a frame too long for rx: refuse the
       * last (the host learns the limit from HELLO, so a real one is a host bug) and resume the
       * hunt at the next SYNC inside the header instead of skipping a length we cannot trust. */
      if (header_ok) send_nak(h[1], UTVM_LINK_ERR_TOO_LONG);
      for (i = 1; i < sizeof(h); ++i) {
        if (h[i] == UTVM_LINK_SYNC) {
          have = sizeof(h) - i;
          memmove(h, h + i, have);
          break;
        }
      }
      continue;
    }
    if (read_exact(rx, len + UTVM_LINK_TRAILER_BYTES) != 0) return UTVM_LINK_E_DEAD_LINK;
    crc = utvm_crc16_update(UTVM_CRC16_INIT, h + 1, 5);
    crc = utvm_crc16_update(crc, rx, len);
    if (crc != (uint16_t)get_le(rx + len, 2)) {
      send_nak(h[1], UTVM_LINK_ERR_BAD_CRC);
      continue;
    }
    dispatch(h[1], h[2], rx, len, max_payload);
  }
}
