/* http_body.c - HTTP/1.x body framing and the chunked-body skipper.
 *
 * Follows RFC 9112 §6.3 (message body length) and §7.1 (chunked coding):
 *
 *   chunked-body  = *( chunk-size [ chunk-ext ] CRLF chunk-data CRLF )
 *                   "0" [ chunk-ext ] CRLF *( field-line CRLF ) CRLF
 *
 * The heads themselves are http.c's.
 */
#include "fsc/http.h"

#include <string.h>

#include "fsc/cursor.h"
#include "fsc/span.h"

enum fsc_status fsc_http_body_framing(const struct fsc_http_head *h,
				      const struct fsc_http_info *in,
				      const char *req_method, size_t req_method_len,
				      struct fsc_http_body *b, const char **why)
{
	const char *why_unused; /* why may be NULL (status.h) */

	if (!why)
		why = &why_unused;
	b->kind = FSC_HTTP_BODY_NONE;
	b->length = 0;
	*why = NULL;
	if (!h->response) {
		if (in->has_transfer_encoding) {
			if (!in->chunked) {
				*why = "request Transfer-Encoding does not end in chunked";
				return FSC_MALFORMED;
			}
			b->kind = FSC_HTTP_BODY_CHUNKED;
		} else if (in->has_content_length) {
			b->kind = FSC_HTTP_BODY_LENGTH;
			b->length = in->content_length;
		}
		return FSC_OK;
	}
	bool head = req_method && fsc_span_ieq(req_method, req_method_len, "HEAD");
	bool connect = req_method && fsc_span_ieq(req_method, req_method_len, "CONNECT");

	if (h->status == 101 || (connect && h->status >= 200 && h->status < 300))
		b->kind = FSC_HTTP_BODY_SWITCH;
	else if (head || h->status < 200 || h->status == 204 || h->status == 304)
		b->kind = FSC_HTTP_BODY_NONE;
	else if (in->has_transfer_encoding)
		b->kind = in->chunked ? FSC_HTTP_BODY_CHUNKED : FSC_HTTP_BODY_CLOSE;
	else if (in->has_content_length) {
		b->kind = FSC_HTTP_BODY_LENGTH;
		b->length = in->content_length;
	} else {
		b->kind = FSC_HTTP_BODY_CLOSE;
	}
	return FSC_OK;
}

/* ---- chunked ------------------------------------------------------------- */

enum {
	C_SIZE0,	/* first hex digit of a chunk size */
	C_SIZE,		/* more hex digits */
	C_EXT,		/* extensions, up to the end of line */
	C_SIZE_LF,	/* LF after CR of the size line */
	C_DATA,
	C_DATA_CR,	/* CRLF after data */
	C_DATA_LF,
	C_TRAILER0,	/* start of a trailer line, or the final empty line */
	C_TRAILER,
	C_TRAILER_LF,
	C_END_LF,
	C_DONE,
	C_BAD,
};

void fsc_http_chunked_init(struct fsc_http_chunked *c)
{
	memset(c, 0, sizeof(*c));
	c->_state = C_SIZE0;
}

static bool line_char_ok(int ch)
{
	return ch == '\t' || (ch >= 0x20 && ch != 0x7f);
}

/* The size line ended: data next, or the trailer after the last chunk. */
static void size_done(struct fsc_http_chunked *c)
{
	c->chunks++;
	c->_line = 0;
	c->_state = c->_left ? C_DATA : C_TRAILER0;
}

static enum fsc_status chunk_bad(struct fsc_http_chunked *c, const char *why)
{
	c->_state = C_BAD;
	c->why = why;
	return FSC_MALFORMED;
}

enum fsc_status fsc_http_chunked_skip(struct fsc_http_chunked *c, const uint8_t *p,
				      size_t len, size_t *used, const char **why)
{
	const char *why_unused; /* why may be NULL (status.h) */

	if (!why)
		why = &why_unused;
	struct fsc_cursor cur = fsc_cur_make(p, len);

	*used = 0;
	if (c->_state == C_DONE) {
		*why = NULL;
		return FSC_OK;
	}
	while (c->_state != C_BAD && fsc_cur_left(&cur) > 0) {
		if (c->_state == C_DATA) {
			size_t n = fsc_cur_left(&cur);
			if (n > c->_left)
				n = (size_t)c->_left;
			fsc_cur_skip(&cur, n);
			c->_left -= n;
			c->body += n;
			if (c->_left == 0)
				c->_state = C_DATA_CR;
			continue;
		}
		int ch = fsc_cur_u8(&cur);
		if (c->_state <= C_SIZE_LF && ++c->_line > FSC_HTTP_CHUNK_LINE_MAX) {
			chunk_bad(c, "chunk size line too long");
			break;
		}
		if ((c->_state >= C_TRAILER0 && c->_state <= C_END_LF) &&
		    ++c->trailer > FSC_HTTP_TRAILER_MAX) {
			chunk_bad(c, "trailer section too long");
			break;
		}
		switch (c->_state) {
		case C_SIZE0:
		case C_SIZE: {
			int v = fsc_hex_value((unsigned char)ch);
			if (v >= 0) {
				if (c->_left > (UINT64_MAX >> 4)) {
					chunk_bad(c, "chunk size overflows");
					break;
				}
				c->_left = c->_left << 4 | (uint64_t)v;
				c->_state = C_SIZE;
			} else if (c->_state == C_SIZE0) {
				chunk_bad(c, "chunk size is not hex");
			} else if (ch == ';' || ch == ' ' || ch == '\t') {
				c->_state = C_EXT;
			} else if (ch == '\r') {
				c->_state = C_SIZE_LF;
			} else if (ch == '\n') {
				size_done(c);
			} else {
				chunk_bad(c, "chunk size is not hex");
			}
			break;
		}
		case C_EXT:
			if (ch == '\r')
				c->_state = C_SIZE_LF;
			else if (ch == '\n')
				size_done(c);
			else if (!line_char_ok(ch))
				chunk_bad(c, "control character in chunk extension");
			break;
		case C_SIZE_LF:
			if (ch != '\n')
				chunk_bad(c, "CR not followed by LF");
			else
				size_done(c);
			break;
		case C_DATA_CR:
			if (ch == '\r')
				c->_state = C_DATA_LF;
			else if (ch == '\n')
				c->_state = C_SIZE0;
			else
				chunk_bad(c, "chunk data not followed by CRLF");
			c->_line = 0;
			break;
		case C_DATA_LF:
			if (ch != '\n')
				chunk_bad(c, "chunk data not followed by CRLF");
			else
				c->_state = C_SIZE0;
			break;
		case C_TRAILER0:
			if (ch == '\r')
				c->_state = C_END_LF;
			else if (ch == '\n')
				c->_state = C_DONE;
			else if (ch == ' ' || ch == '\t')
				chunk_bad(c, "obsolete line folding in trailer");
			else if (!fsc_byteset_has(&fsc_tchar_set, (uint8_t)ch))
				chunk_bad(c, "trailer field name: not a token");
			else
				c->_state = C_TRAILER;
			break;
		case C_TRAILER:
			if (ch == '\r')
				c->_state = C_TRAILER_LF;
			else if (ch == '\n')
				c->_state = C_TRAILER0;
			else if (!line_char_ok(ch))
				chunk_bad(c, "control character in trailer");
			break;
		case C_TRAILER_LF:
			if (ch != '\n')
				chunk_bad(c, "CR not followed by LF");
			else
				c->_state = C_TRAILER0;
			break;
		case C_END_LF:
			if (ch != '\n')
				chunk_bad(c, "CR not followed by LF");
			else
				c->_state = C_DONE;
			break;
		}
		if (c->_state == C_DONE) {
			*used = (size_t)(cur.p - p);
			*why = NULL;
			return FSC_OK;
		}
	}
	*used = (size_t)(cur.p - p);
	if (c->_state == C_BAD) {
		*why = c->why;
		return FSC_MALFORMED;
	}
	*why = "need more bytes";
	return FSC_TRUNCATED;
}
