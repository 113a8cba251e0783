// Package ngram is a Bloom filter of the byte trigrams of a set of
// strings, kept per Parquet file of log messages so that a substring
// search can skip the files that cannot contain its literal text.
//
// A trigram is 3 consecutive bytes of a string (case-sensitive, bytes
// not characters); strings shorter than 3 bytes add nothing. A file
// holds a substring s of length ≥ 3 only if it holds every trigram of s,
// so when the filter lacks one of them, no string added contains s.
//
// # Format (version 2)
//
// While strings are added, the filter is a blocked Bloom filter of Bits
// (2^19) bits: 8192 blocks of 64 bits. A trigram of bytes b0 b1 b2, as
// t = b0 | b1<<8 | b2<<16, sets two bits of one block, derived from one
// 64-bit hash h = t * 0x9e3779b97f4a7c15 (mod 2^64): block h>>51, bits
// (h>>32)&63 and (h>>38)&63 of it (bit 0 least significant). One block
// per trigram costs one memory access per byte added.
//
// Encode first folds the filter: block i of a half-size filter is blocks
// 2i and 2i+1 ORed, so a trigram's block in a filter of 2^k blocks is
// h>>(64-k). It halves while at most a quarter of the bits of the result
// are set, down to 16 blocks (128 bytes): the few messages of a small
// file give a small filter. It writes the blocks as little-endian
// uint64s, block after block, in standard base64 with padding; Decode
// accepts 2^k blocks for 16 ≤ 2^k ≤ 8192. Changing any of this needs a
// new metadata key.
package ngram
