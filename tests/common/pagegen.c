/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pagegen: synthetic page contents that compress like the anonymous memory a
 * machine swaps out, so that tests exercise every slot type and size class
 * and benchmarks measure realistic compression ratios.
 *
 * Each page is one kind, drawn from a fixed mix:
 *
 *	zero 12%  same 4%  text 30%  code 22%  data 22%  random 10%
 *
 * Compressed one page at a time, text shrinks about 2.4x with lz4, code
 * 1.8x, data 3.2x (zstd -3: 3.6x, 2.5x, 5.6x); counting zero and same-filled
 * pages as 0 bytes and pages that do not shrink below 3264 bytes as 4096, as
 * zram does, the whole mix gives compressed/original about 0.41 with lz4 and
 * 0.31 with zstd -3, within the 0.30-0.45 zram reports for real desktop and
 * server workloads.  Every kind also varies from page to page, so compressed
 * sizes spread over the allocator's size classes instead of piling into a
 * few.
 *
 * This is not a model of any particular program's memory, and it is not a
 * compression corpus: it only aims at plausible ratios and byte statistics.
 * Everything is integer arithmetic on splitmix64, so a page is the same on
 * every machine and every run; a page costs a few microseconds.
 */
#include "config.h"

#include <string.h>

#include "array_size.h"
#include "pagegen.h"

#define PAGE PAGEGEN_PAGE_SIZE

/* The mix, in thousandths, in the order of enum pagegen_kind. */
static const unsigned kind_permille[PAGEGEN_NKINDS] = {
	[PAGEGEN_ZERO] = 120,
	[PAGEGEN_SAME] = 40,
	[PAGEGEN_TEXT] = 300,
	[PAGEGEN_CODE] = 220,
	[PAGEGEN_DATA] = 220,
	[PAGEGEN_RANDOM] = 100,
};

static const char *const kind_names[PAGEGEN_NKINDS] = {
	[PAGEGEN_ZERO] = "zero", [PAGEGEN_SAME] = "same",
	[PAGEGEN_TEXT] = "text", [PAGEGEN_CODE] = "code",
	[PAGEGEN_DATA] = "data", [PAGEGEN_RANDOM] = "random",
};

/* @return a number in [0, @n) from the top 32 bits of @r (n < 2^32). */
static inline uint32_t below(uint64_t r, uint32_t n)
{
	return (uint32_t)(((r >> 32) * n) >> 32);
}

static inline void put64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, sizeof(v));
}

/* ---- text ---------------------------------------------------------------- */

/* Words are copied 16 bytes at a time into a buffer with slack. */
struct word {
	char s[16];
	unsigned char len;
};

#define W(str) { str, sizeof(str) - 1 }

/* Common English words, most frequent first (the sampler favours the head). */
static const struct word vocab[] = {
	W("the"), W("of"), W("and"), W("to"), W("a"), W("in"), W("is"),
	W("that"), W("for"), W("it"), W("as"), W("was"), W("with"), W("be"),
	W("by"), W("on"), W("not"), W("he"), W("this"), W("are"), W("or"),
	W("his"), W("from"), W("at"), W("which"), W("but"), W("have"),
	W("an"), W("had"), W("they"), W("you"), W("were"), W("their"),
	W("one"), W("all"), W("we"), W("can"), W("her"), W("has"), W("there"),
	W("been"), W("if"), W("more"), W("when"), W("will"), W("would"),
	W("who"), W("so"), W("no"), W("she"), W("other"), W("its"), W("may"),
	W("these"), W("what"), W("them"), W("than"), W("some"), W("him"),
	W("time"), W("into"), W("only"), W("do"), W("could"), W("new"),
	W("about"), W("two"), W("first"), W("then"), W("also"), W("any"),
	W("my"), W("now"), W("such"), W("like"), W("our"), W("over"),
	W("man"), W("me"), W("even"), W("most"), W("made"), W("after"),
	W("before"), W("must"), W("did"), W("many"), W("well"), W("should"),
	W("where"), W("through"), W("your"), W("us"), W("years"), W("much"),
	W("down"), W("way"), W("people"), W("still"), W("own"), W("work"),
	W("long"), W("same"), W("state"), W("between"), W("under"),
	W("system"), W("each"), W("might"), W("both"), W("being"),
	W("because"), W("without"), W("several"), W("world"), W("during"),
	W("however"), W("number"), W("house"), W("point"), W("while"),
	W("those"), W("three"), W("again"), W("never"), W("thought"),
	W("against"), W("government"), W("place"), W("great"), W("life"),
	W("little"), W("every"), W("found"), W("part"), W("general"),
	W("small"), W("upon"), W("since"), W("day"), W("memory"), W("right"),
	W("public"), W("large"), W("water"), W("page"), W("order"),
	W("process"), W("information"), W("another"), W("service"), W("form"),
	W("often"), W("given"), W("second"), W("around"), W("possible"),
	W("high"), W("country"), W("school"), W("important"), W("family"),
	W("rather"), W("until"), W("file"), W("example"), W("always"),
	W("interest"), W("problem"), W("within"), W("power"), W("city"),
	W("among"), W("different"), W("development"), W("hand"),
	W("although"), W("course"), W("case"), W("group"), W("known"),
	W("local"), W("following"), W("company"), W("night"), W("support"),
	W("business"), W("name"), W("history"), W("question"), W("value"),
	W("data"), W("across"), W("result"), W("change"), W("program"),
	W("level"), W("kernel"), W("early"), W("already"), W("toward"),
	W("member"), W("area"), W("market"), W("report"), W("control"),
	W("available"), W("position"), W("language"), W("national"),
	W("science"), W("together"), W("student"), W("field"), W("period"),
	W("certain"), W("usually"), W("evidence"), W("section"),
	W("particular"), W("situation"), W("structure"), W("behaviour"),
	W("performance"), W("network"), W("relationship"), W("opportunity"),
	W("environment"), W("application"), W("compression"), W("database"),
	W("configuration"), W("understanding"), W("significant"),
	W("Monday"), W("London"), W("January"), W("Europe"), W("Linux"),
	W("Internet"), W("English"), W("American"), W("university"),
	W("president"), W("committee"), W("research"), W("economic"),
	W("political"), W("according"), W("therefore"), W("especially"),
	W("necessary"), W("difficult"), W("experience"), W("individual"),
	W("international"), W("administration"), W("responsibility"),
	W("requirements"), W("implementation"), W("characteristics"),
	W("storage"), W("device"), W("request"), W("response"), W("message"),
	W("address"), W("window"), W("button"), W("server"), W("client"),
	W("thread"), W("buffer"), W("object"), W("string"), W("function"),
	W("library"), W("version"), W("project"), W("review"), W("quickly"),
	W("slowly"), W("simply"), W("clearly"), W("finally"), W("mountain"),
	W("river"), W("garden"), W("morning"), W("evening"), W("children"),
	W("mother"), W("father"), W("friend"), W("story"), W("letter"),
};

#define NVOCAB ARRAY_SIZE(vocab)
#define TOPIC  24

static const char sentence_end[8] = { '.', '.', '.', '.', '.', '.', '?', '!' };

/*
 * Draws a word skewed towards the head of the vocabulary: the square of a
 * uniform number has density 1/sqrt(x), a rough Zipf curve.  A quarter of
 * the words come from a window of TOPIC words chosen per page, as a real page
 * of prose keeps to its subject.
 */
static inline const struct word *pick_word(uint64_t r, unsigned topic)
{
	uint64_t u = (r >> 8) & 0xffff;
	unsigned zipf = (unsigned)((u * u * NVOCAB) >> 32);
	unsigned near = topic + (unsigned)(((r >> 24) & 0xff) * TOPIC >> 8);

	return &vocab[(r & 3) == 0 ? near : zipf];
}

/*
 * Prose: sentences of 4 to 18 words with commas, wrapped at 60 to 80
 * columns, a blank line between paragraphs.  Writers repeat themselves
 * ("in the case of the", a name, a phrase): one step in TEXT_REPEAT copies
 * a run of 2 to 5 earlier words instead of drawing a new one (on average:
 * each page draws its own rate between half and one and a half times that).
 */
#define TEXT_REPEAT 40

static void fill_text(struct pagegen_rng *rng, uint8_t *page)
{
	uint8_t buf[PAGE + 64];
	uint16_t starts[PAGE / 2 + 1];
	uint64_t r = pagegen_rand(rng);
	unsigned topic = below(r, NVOCAB - TOPIC);
	unsigned width = 60 + (unsigned)(r & 15) + (unsigned)((r >> 4) & 3);
	/* Some pages repeat themselves more than others. */
	unsigned repeat = TEXT_REPEAT / 2 + (unsigned)(r >> 16) % TEXT_REPEAT;
	unsigned n, k, col = 0, nw = 0, left = 1, sentences = 0;
	unsigned capital = 1;

	/* Start mid-line, as a page boundary cuts a document anywhere. */
	n = (unsigned)((r >> 8) & 7);
	memset(buf, ' ', 8);

	while (n < PAGE) {
		const struct word *w;
		unsigned sep;

		r = pagegen_rand(rng);
		starts[nw++] = (uint16_t)n;
		if (nw > 16 && ((r >> 1) & 127) < repeat) {
			unsigned m = 2 + (unsigned)((r >> 32) & 3);
			unsigned j = below(r, nw - 1 - m);
			unsigned len;

			/* Runs nest: keep them within the buffer's slack. */
			while (starts[j + m] - starts[j] > 48)
				m--;
			len = starts[j + m] - starts[j];
			memmove(buf + n, buf + starts[j], 48);
			/* The phrase continues the line: no line breaks. */
			for (k = n; k < n + len; k++)
				buf[k] = buf[k] == '\n' ? ' ' : buf[k];
			n += len;
			col += len;
			continue;
		}

		w = pick_word(r, topic);
		sep = col + w->len + 1 > width ? '\n' : ' ';
		col = sep == '\n' ? w->len : col + w->len + 1;
		buf[n] = (uint8_t)sep;
		memcpy(buf + n + 1, w->s, 16);
		/* Capitalise by clearing bit 5 of a lower-case first letter. */
		buf[n + 1] &= (uint8_t)~(capital << 5);
		n += 1 + w->len;
		capital = 0;

		if (--left == 0) {
			buf[n++] = (uint8_t)sentence_end[(r >> 56) & 7];
			col++;
			capital = 1;
			left = 4 + (unsigned)((r >> 40) % 15);
			/* A paragraph every few sentences. */
			if (++sentences % (3 + ((r >> 60) & 3)) == 0) {
				buf[n++] = '\n';
				col = 0;
			}
		} else if (((r >> 48) & 15) == 0) {
			buf[n++] = ',';
			col++;
		}
	}
	memcpy(page, buf, PAGE);
}

/* ---- code ---------------------------------------------------------------- */

/*
 * An x86-64 instruction as a compiler emits it: up to 7 bytes, little-endian
 * in @bytes, whose operand bits are filled from a random word (@rmask: stack
 * offsets, small immediates, short branches, registers) or from one of the
 * page's 16 branch targets and data addresses (a rel32 or disp32 at byte
 * @tpos), so that calls to the same function repeat byte for byte.
 */
struct insn {
	uint64_t bytes;
	uint64_t rmask;
	unsigned char len, tpos;
};

#define DISP8(pos) (0x38ull << (8 * (pos))) /* rbp-relative: -64..-8 */
#define IMM8(pos)  (0x1full << (8 * (pos)))
#define REL8(pos)  (0x3full << (8 * (pos)))
#define MODRM(pos) (0x3full << (8 * (pos)))

/* Most frequent first: insn_pick favours the head. */
static const struct insn insns[32] = {
	{ 0xc0458b48, DISP8(3), 4, 0 },		/* mov rax, [rbp-d] */
	{ 0xc0458948, DISP8(3), 4, 0 },		/* mov [rbp-d], rax */
	{ 0xc08948, MODRM(2), 3, 0 },		/* mov r64, r64 */
	{ 0xe8, 0, 5, 1 },			/* call rel32 */
	{ 0x74, REL8(1), 2, 0 },		/* je rel8 */
	{ 0xc0458b, DISP8(2), 3, 0 },		/* mov eax, [rbp-d] */
	{ 0xc085, 0, 2, 0 },			/* test eax, eax */
	{ 0xc78948, 0, 3, 0 },			/* mov rdi, rax */
	{ 0x3d8d48, 0, 7, 3 },			/* lea rdi, [rip+d] */
	{ 0x75, REL8(1), 2, 0 },		/* jne rel8 */
	{ 0xc08348, IMM8(3), 4, 0 },		/* add rax, imm8 */
	{ 0xb8, IMM8(1), 5, 0 },		/* mov eax, imm32 */
	{ 0xc031, 0, 2, 0 },			/* xor eax, eax */
	{ 0xc07d8b48, DISP8(3), 4, 0 },		/* mov rdi, [rbp-d] */
	{ 0xeb, REL8(1), 2, 0 },		/* jmp rel8 */
	{ 0xf883, IMM8(2), 3, 0 },		/* cmp eax, imm8 */
	{ 0x408b48, DISP8(3), 4, 0 },		/* mov rax, [rax+d] */
	{ 0x058b48, 0, 7, 3 },			/* mov rax, [rip+d] */
	{ 0x840f, 0, 6, 2 },			/* je rel32 */
	{ 0xc08548, 0, 3, 0 },			/* test rax, rax */
	{ 0xc07d89, DISP8(2), 3, 0 },		/* mov [rbp-d], edi */
	{ 0xc0b60f, 0, 3, 0 },			/* movzx eax, al */
	{ 0xc0458d48, DISP8(3), 4, 0 },		/* lea rax, [rbp-d] */
	{ 0xc045100ff2ull, DISP8(4), 5, 0 },	/* movsd xmm0, [rbp-d] */
	{ 0xd06348, 0, 3, 0 },			/* movsxd rdx, eax */
	{ 0x850f, 0, 6, 2 },			/* jne rel32 */
	{ 0xe9, 0, 5, 1 },			/* jmp rel32 */
	{ 0xd00148, 0, 3, 0 },			/* add rax, rdx */
	{ 0xe0c148, 0x07ull << 24, 4, 0 },	/* shl rax, imm8 */
	{ 0xc039, MODRM(1), 2, 0 },		/* cmp r32, r32 */
	{ 0xfc8341, IMM8(3), 4, 0 },		/* cmp r12d, imm8 */
	{ 0x538b, DISP8(2), 3, 0 },		/* mov edx, [rbx+d] */
};

/* Which instruction a 6-bit draw selects: half the draws pick one of the
 * first 8, a quarter one of the next 8, a quarter one of the last 16.  A
 * table, not comparisons, because mispredicted branches would cost more
 * than the rest of the generator. */
static const unsigned char insn_pick[64] = {
	0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3, 4, 5, 6, 7,
	0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3, 4, 5, 6, 7,
	8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15,
	16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31,
};

/* Function entries and exits, as GCC emits them at -O0 and -O2, and the
 * multi-byte nops that align the next function to 16 bytes. */
static const uint8_t prologue_frame[16] = {
	0xf3, 0x0f, 0x1e, 0xfa, 0x55, 0x48, 0x89, 0xe5, 0x48, 0x83, 0xec,
};
static const uint8_t prologue_saves[16] = {
	0xf3, 0x0f, 0x1e, 0xfa, 0x41, 0x57, 0x41, 0x56, 0x41, 0x55,
	0x41, 0x54, 0x55, 0x53,
};
static const uint8_t epilogue_saves[16] = {
	0x5b, 0x5d, 0x41, 0x5c, 0x41, 0x5d, 0x41, 0x5e, 0x41, 0x5f, 0xc3,
};
static const uint8_t nop_pad[16] = {
	0x66, 0x2e, 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x0f, 0x1f, 0x44, 0x00, 0x00, 0x90,
};

/*
 * Functions of 8 to 80 instructions.  Compiled code repeats idioms (the
 * same argument set-up before the same call, inlined helpers): one
 * instruction in CODE_REPEAT copies a run of 2 to 5 earlier instructions.
 */
#define CODE_REPEAT 24

static void fill_code(struct pagegen_rng *rng, uint8_t *page)
{
	uint8_t buf[PAGE + 64];
	uint16_t starts[PAGE / 2 + 1];
	uint64_t targets[16];
	uint64_t r0 = pagegen_rand(rng);
	unsigned repeat = CODE_REPEAT / 2 + (unsigned)(r0 % CODE_REPEAT);
	unsigned i, n, ni = 0, body;

	/* Calls and data references within +-64 KiB of this page. */
	for (i = 0; i < 16; i++) {
		uint64_t r = pagegen_rand(rng);

		targets[i] = (r & 0xfff0) | ((r & 0x10000) ? 0xffff0000u : 0);
	}

	/* Start mid-function. */
	n = 0;
	body = below(pagegen_rand(rng), 40);

	while (n < PAGE) {
		uint64_t r = pagegen_rand(rng);
		unsigned frame = (unsigned)(r & 3) != 0;

		for (; body > 0 && n < PAGE; body--) {
			const struct insn *in;
			uint64_t v, t;

			r = pagegen_rand(rng);
			starts[ni++] = (uint16_t)n;
			if (ni > 16 && (r & 127) < repeat) {
				unsigned m = 2 + (unsigned)((r >> 40) & 3);
				unsigned j = below(r, ni - 1 - m);
				unsigned len;

				while (starts[j + m] - starts[j] > 32)
					m--;
				len = starts[j + m] - starts[j];
				memmove(buf + n, buf + starts[j], 32);
				n += len;
				continue;
			}
			in = &insns[insn_pick[r >> 58]];
			t = targets[(r >> 8) & 15] << (8 * in->tpos);
			v = in->bytes | (r & in->rmask) | (in->tpos ? t : 0);
			put64(buf + n, v);
			n += in->len;
		}
		if (n >= PAGE)
			break;

		/* End this function, pad, start the next one. */
		if (frame) {
			buf[n++] = 0xc9; /* leave */
			buf[n++] = 0xc3; /* ret */
		} else {
			memcpy(buf + n, epilogue_saves, 16);
			n += 11;
		}
		memcpy(buf + n, nop_pad, 16);
		n += -n & 15;
		if (frame) {
			memcpy(buf + n, prologue_frame, 16);
			n += 11;
			buf[n++] = (uint8_t)(16 * (1 + ((r >> 8) & 3)));
		} else {
			memcpy(buf + n, prologue_saves, 16);
			n += 14;
		}
		body = 8 + below(r, 72);
	}
	memcpy(page, buf, PAGE);
}

/* ---- data ---------------------------------------------------------------- */

enum field {
	F_PTR,     /* heap pointer: 0x00007fxx'xxxxxxx0 */
	F_NEXT,    /* pointer to the next element of the array */
	F_CONST,   /* the same in every element: type, ops table, parent */
	F_NULLPTR, /* pointer, often NULL */
	F_COUNT,   /* small counter, growing along the array */
	F_SMALL,   /* small int32 pair: refcount, flags, enum */
	F_ZERO,    /* padding, unused, reserved */
	F_DOUBLE,  /* double: a few round values */
	F_ID,      /* an id or a key: 20 random bits */
};

/* Field types by frequency, indexed with 4 random bits. */
static const unsigned char field_pick[16] = {
	F_PTR, F_PTR, F_NEXT, F_NULLPTR, F_NULLPTR, F_CONST, F_CONST, F_COUNT,
	F_SMALL, F_SMALL, F_SMALL, F_ZERO, F_ZERO, F_ZERO, F_DOUBLE, F_ID,
};

static const double round_doubles[8] = { 0.0, 1.0, 0.5, 100.0,
					 -1.0, 0.25, 1000.0, 60.0 };

#define MAX_FIELDS 8

static void fill_data(struct pagegen_rng *rng, uint8_t *page)
{
	unsigned char layout[MAX_FIELDS];
	uint64_t r = pagegen_rand(rng), fields = pagegen_rand(rng);
	unsigned nfields = 2 + below(r, MAX_FIELDS - 1);
	unsigned size = nfields * 8;
	/* A heap arena: pointers share their top 5 bytes. */
	uint64_t heap = 0x00007f0000000000ull |
			(pagegen_rand(rng) & 0xff000000ull) << 8 |
			(pagegen_rand(rng) & 0xff000000ull);
	uint64_t addr = heap + ((pagegen_rand(rng) & 0xfffff) << 4);
	uint64_t count = pagegen_rand(rng) & 0xfff;
	unsigned empty16 = 0, i, off;

	/* Sparse tables: some elements are unused (all zero). */
	if ((r & 0x300) != 0x300)
		empty16 = below(pagegen_rand(rng), 12);

	for (i = 0; i < nfields; i++)
		layout[i] = field_pick[(fields >> (4 * i)) & 15];

	/* Start mid-array. */
	off = below(pagegen_rand(rng), nfields) * 8;
	memset(page, 0, off);

	while (off < PAGE) {
		uint64_t elem = pagegen_rand(rng);

		if ((elem & 15) < empty16) {
			for (i = 0; i < nfields && off < PAGE; i++, off += 8)
				put64(page + off, 0);
			continue;
		}
		for (i = 0; i < nfields && off < PAGE; i++, off += 8) {
			uint64_t v = 0, x = pagegen_rand(rng);

			switch (layout[i]) {
			case F_PTR:
				v = heap + (x & 0xffff0);
				break;
			case F_NEXT:
				v = addr + off - off % size + size;
				break;
			case F_CONST:
				v = heap + (i << 12);
				break;
			case F_NULLPTR:
				v = (x & 3) ? 0 : heap + ((x >> 8) & 0xffff0);
				break;
			case F_COUNT:
				v = count + (x & 7);
				count += 1 + (x & 3);
				break;
			case F_SMALL:
				v = (x & 0x7) | ((x >> 8) & 0x3) << 32;
				break;
			case F_ZERO:
				v = 0;
				break;
			case F_DOUBLE: {
				double d = round_doubles[x & 7];

				if (x & 0x18)
					d *= (double)((x >> 8) & 0x3ff);
				memcpy(&v, &d, sizeof(v));
				break;
			}
			case F_ID:
				v = x >> 44;
				break;
			}
			put64(page + off, v);
		}
	}
}

/* ---- same-filled and random ---------------------------------------------- */

static void fill_same(uint64_t rnd, uint8_t *page)
{
	static const uint64_t common[4] = {
		0xffffffffffffffffull, 0x0101010101010101ull,
		0x2020202020202020ull, 0x00000000000000ffull,
	};
	uint64_t v;
	unsigned i;

	/* Half common patterns, a quarter repeated bytes, a quarter words. */
	switch (rnd & 3) {
	case 0:
	case 1:
		v = common[(rnd >> 2) & 3];
		break;
	case 2:
		v = ((rnd >> 8) & 0xff) * 0x0101010101010101ull;
		break;
	default:
		v = rnd >> 8;
		break;
	}
	if (v == 0)
		v = ~0ull;
	for (i = 0; i < PAGE; i += 8)
		put64(page + i, v);
}

static void fill_random(struct pagegen_rng *rng, uint8_t *page)
{
	unsigned i;

	for (i = 0; i < PAGE; i += 8)
		put64(page + i, pagegen_rand(rng));
}

/* ---- the interface ------------------------------------------------------- */

/* @return the hash from which both the kind and the contents derive. */
static uint64_t page_hash(uint64_t seed, uint64_t index, uint64_t version)
{
	return pagegen_mix(pagegen_mix(pagegen_mix(seed) ^ index) ^ version);
}

static enum pagegen_kind kind_from_hash(uint64_t h)
{
	unsigned x = below(h, 1000);
	int k;

	for (k = 0; k < PAGEGEN_NKINDS - 1; k++) {
		if (x < kind_permille[k])
			break;
		x -= kind_permille[k];
	}
	return (enum pagegen_kind)k;
}

enum pagegen_kind pagegen_kind_of(uint64_t seed, uint64_t index,
				  uint64_t version)
{
	return kind_from_hash(page_hash(seed, index, version));
}

enum pagegen_kind pagegen_page(uint64_t seed, uint64_t index,
			       uint64_t version, void *page)
{
	uint64_t h = page_hash(seed, index, version);
	enum pagegen_kind kind = kind_from_hash(h);

	pagegen_fill_kind(kind, pagegen_mix(h), page);
	return kind;
}

void pagegen_fill_kind(enum pagegen_kind kind, uint64_t rnd, void *page)
{
	struct pagegen_rng rng = { rnd };

	switch (kind) {
	case PAGEGEN_ZERO:
		memset(page, 0, PAGE);
		break;
	case PAGEGEN_SAME:
		fill_same(rnd, page);
		break;
	case PAGEGEN_TEXT:
		fill_text(&rng, page);
		break;
	case PAGEGEN_CODE:
		fill_code(&rng, page);
		break;
	case PAGEGEN_DATA:
		fill_data(&rng, page);
		break;
	case PAGEGEN_RANDOM:
	default:
		fill_random(&rng, page);
		break;
	}
}

const char *pagegen_kind_name(enum pagegen_kind kind)
{
	if ((unsigned)kind >= PAGEGEN_NKINDS)
		return "unknown";
	return kind_names[kind];
}
