// Package ngram is a Bloom filter of the byte trigrams of a set of
// strings, kept per Parquet file of log messages so that a substring
// search can skip the files that cannot contain its literal text.
//
// A trigram is 3 consecutive bytes of a string (case-sensitive, bytes
// not characters); strings shorter than 3 bytes add nothing. A file
// holds a substring s of length ≥ 3 only if it holds every trigram of s,
// so when the filter lacks one of them, no string added contains s.
//
// # Format (version 1)
//
// The filter is a blocked Bloom filter of Bits (2^19) bits, 64 KiB: 8192
// blocks of 64 bits, stored as little-endian uint64s, block after block.
// A trigram of bytes b0 b1 b2, as t = b0 | b1<<8 | b2<<16, sets two bits
// of one block, derived from one 64-bit hash h = t * 0x9e3779b97f4a7c15
// (mod 2^64): block h>>51, bits (h>>32)&63 and (h>>38)&63 of it (bit 0
// least significant). One block per trigram costs one memory access per
// byte added. Encode writes the 64 KiB as standard base64 with padding
// (87,384 characters); Decode accepts only exactly that. Changing any of
// this needs a new metadata key.
package ngram
