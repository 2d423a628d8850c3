/* Wire constants of utvm's link protocol, shared by the device (C) and the host (C++).
 * docs/link-protocol.md is the prose version; keep both in step. All integers little-endian.
 *
 * Frame:  SYNC(0xA5) SEQ TYPE LEN_LO LEN_HI HCHK | PAYLOAD (LEN bytes) | CRC_LO CRC_HI
 *   HCHK = low byte of CRC-16/CCITT-FALSE over SEQ..LEN_HI
 *   CRC  = CRC-16/CCITT-FALSE over SEQ..HCHK and the payload */
#ifndef UTVM_LINK_PROTO_H_
#define UTVM_LINK_PROTO_H_

/* 2: HELLO selects a module and lists every module of the firmware. */
#define UTVM_LINK_PROTOCOL_VERSION 2
#define UTVM_LINK_SYNC 0xA5
#define UTVM_LINK_HEADER_BYTES 6
#define UTVM_LINK_TRAILER_BYTES 2
#define UTVM_LINK_MAX_PAYLOAD 65535u

/* Requests (host -> device). A successful response has TYPE = request | UTVM_LINK_RESPONSE. */
#define UTVM_LINK_CMD_HELLO 0x01       /* u8 host version, u32 token, u8 module -> see docs */
#define UTVM_LINK_CMD_TENSOR_INFO 0x02 /* u8 dir (0 in, 1 out), u16 index */
#define UTVM_LINK_CMD_SET_INPUT 0x03   /* u16 index, u32 offset, data */
#define UTVM_LINK_CMD_RUN 0x04         /* u32 count */
#define UTVM_LINK_CMD_GET_OUTPUT 0x05  /* u16 index, u32 offset, u32 length */
#define UTVM_LINK_CMD_RESET 0x06       /* (empty) */
#define UTVM_LINK_RESPONSE 0x80
#define UTVM_LINK_TYPE_ERROR 0xFE /* u8 request type, u16 error, i32 detail */
#define UTVM_LINK_TYPE_NAK 0xFF   /* u16 error: the frame was damaged or too long */

/* Error codes (ERROR/NAK payloads and the RUN trailer). */
#define UTVM_LINK_OK 0
#define UTVM_LINK_ERR_BAD_CRC 1
#define UTVM_LINK_ERR_TOO_LONG 2
#define UTVM_LINK_ERR_UNKNOWN_COMMAND 3
#define UTVM_LINK_ERR_BAD_LENGTH 4
#define UTVM_LINK_ERR_BAD_INDEX 5
#define UTVM_LINK_ERR_OUT_OF_RANGE 6
#define UTVM_LINK_ERR_RUN_FAILED 7
#define UTVM_LINK_ERR_WORKSPACE_EXHAUSTED 8
#define UTVM_LINK_ERR_BAD_COUNT 9

/* Most runs one RUN request may ask for (keeps the response under UTVM_LINK_MAX_PAYLOAD). */
#define UTVM_LINK_MAX_RUNS_PER_REQUEST 4096u

#endif /* UTVM_LINK_PROTO_H_ */
