/* fuzz_rfc8448.h - RFC 8448 §3's TLS 1.3 secrets as a key log, for the
 * targets that decrypt (fuzz_streams, fuzz_correlate); their seeds carry
 * its handshake and records sealed under them (gen/tlsopen_corpus.py). */
#ifndef FSC_FUZZ_RFC8448_H
#define FSC_FUZZ_RFC8448_H

#define RFC8448_RANDOM "cb34ecb1e78163ba1c38c6dacb196a6dffa21a8d9912ec18a2ef6283024dece7"
static const char rfc8448_keylog[] =
	"CLIENT_HANDSHAKE_TRAFFIC_SECRET " RFC8448_RANDOM
	" b3eddb126e067f35a780b3abf45e2d8f3b1a950738f52e9600746a0e27a55a21\n"
	"SERVER_HANDSHAKE_TRAFFIC_SECRET " RFC8448_RANDOM
	" b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38\n"
	"CLIENT_TRAFFIC_SECRET_0 " RFC8448_RANDOM
	" 9e40646ce79a7f9dc05af8889bce6552875afa0b06df0087f792ebb7c17504a5\n"
	"SERVER_TRAFFIC_SECRET_0 " RFC8448_RANDOM
	" a11af9f05531f856ad47116b45a950328204b4f44bfb6b3a4b4f1f3fcb631643\n";

#endif
