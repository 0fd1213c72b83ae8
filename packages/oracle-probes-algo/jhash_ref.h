/* lookup3 (jhash/jhash2 of include/linux/jhash.h), written out for the probes: used only to pick
 * candidate values (bloom collisions) that the live kernel then confirms or refutes. */
#include <stdint.h>
#include <string.h>

#define ROL32(x, k) (((x) << (k)) | ((x) >> (32 - (k))))
#define JMIX(a, b, c) do { \
	a -= c; a ^= ROL32(c, 4);  c += b; \
	b -= a; b ^= ROL32(a, 6);  a += c; \
	c -= b; c ^= ROL32(b, 8);  b += a; \
	a -= c; a ^= ROL32(c, 16); c += b; \
	b -= a; b ^= ROL32(a, 19); a += c; \
	c -= b; c ^= ROL32(b, 4);  b += a; } while (0)
#define JFINAL(a, b, c) do { \
	c ^= b; c -= ROL32(b, 14); \
	a ^= c; a -= ROL32(c, 11); \
	b ^= a; b -= ROL32(a, 25); \
	c ^= b; c -= ROL32(b, 16); \
	a ^= c; a -= ROL32(c, 4);  \
	b ^= a; b -= ROL32(a, 14); \
	c ^= b; c -= ROL32(b, 24); } while (0)

static uint32_t ref_jhash(const uint8_t *k, uint32_t len, uint32_t initval)
{
	uint32_t a, b, c, w[3];
	a = b = c = 0xdeadbeef + len + initval;
	while (len > 12) {
		memcpy(w, k, 12);
		a += w[0]; b += w[1]; c += w[2];
		JMIX(a, b, c);
		len -= 12; k += 12;
	}
	if (!len)
		return c;
	uint8_t t[12] = {0};
	memcpy(t, k, len);
	memcpy(w, t, 12);
	a += w[0]; b += w[1]; c += w[2];
	JFINAL(a, b, c);
	return c;
}

static uint32_t ref_jhash2(const uint32_t *k, uint32_t len, uint32_t initval)
{
	uint32_t a, b, c;
	a = b = c = 0xdeadbeef + (len << 2) + initval;
	while (len > 3) {
		a += k[0]; b += k[1]; c += k[2];
		JMIX(a, b, c);
		len -= 3; k += 3;
	}
	switch (len) {
	case 3: c += k[2]; /* fall through */
	case 2: b += k[1]; /* fall through */
	case 1: a += k[0]; JFINAL(a, b, c);
	}
	return c;
}
