using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace OPSource.TestSupport.Native;

/// <summary>
/// Thin P/Invoke wrapper over Debian's libsecp256k1.so.1 (0.2.0): the reference oracle for the C#
/// engine in tests and benchmarks. Never used by production code. Byte arrays in, byte arrays out;
/// opaque libsecp structs (pubkey 64, signature 64, recoverable 65, keypair 96) stay inside.
/// </summary>
public static unsafe partial class LibSecp256k1
{
    private const string Lib = "libsecp256k1.so.1";
    private const uint ContextNone = 1;
    private const uint EcCompressed = (1 << 1) | (1 << 8);
    private const uint EcUncompressed = 1 << 1;

    private static readonly nint Ctx = CreateContext();

    private static nint CreateContext()
    {
        nint ctx = secp256k1_context_create(ContextNone);
        // The default illegal-argument callback aborts the process; make it a no-op (the call returns 0).
        secp256k1_context_set_illegal_callback(ctx, &IgnoreCallback, 0);
        return ctx;
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void IgnoreCallback(byte* message, void* data)
    {
    }

    /// <summary>True when libsecp256k1.so.1 can be loaded.</summary>
    public static bool IsAvailable
    {
        get
        {
            try
            {
                return Ctx != 0;
            }
            catch (DllNotFoundException)
            {
                return false;
            }
            catch (TypeInitializationException)
            {
                return false;
            }
        }
    }

    public static bool SecKeyVerify(ReadOnlySpan<byte> sk)
    {
        if (sk.Length != 32) return false;
        fixed (byte* p = sk) return secp256k1_ec_seckey_verify(Ctx, p) == 1;
    }

    /// <summary>Compressed (33) or uncompressed (65) public key, or null if the secret key is invalid.</summary>
    public static byte[]? PubKeyCreate(ReadOnlySpan<byte> sk, bool compressed = true)
    {
        byte* pk = stackalloc byte[64];
        fixed (byte* s = sk)
        {
            if (sk.Length != 32 || secp256k1_ec_pubkey_create(Ctx, pk, s) != 1) return null;
        }

        return Serialize(pk, compressed);
    }

    private static byte[] Serialize(byte* pk, bool compressed)
    {
        var output = new byte[compressed ? 33 : 65];
        nuint len = (nuint)output.Length;
        fixed (byte* o = output)
        {
            secp256k1_ec_pubkey_serialize(Ctx, o, &len, pk, compressed ? EcCompressed : EcUncompressed);
        }

        return output;
    }

    /// <summary>Parses SEC1 and re-serializes it, or null if rejected.</summary>
    public static byte[]? PubKeyParse(ReadOnlySpan<byte> input, bool compressed = true)
    {
        byte* pk = stackalloc byte[64];
        fixed (byte* i = input)
        {
            if (secp256k1_ec_pubkey_parse(Ctx, pk, i, (nuint)input.Length) != 1) return null;
        }

        return Serialize(pk, compressed);
    }

    private static bool LoadPub(ReadOnlySpan<byte> sec1, byte* pk)
    {
        fixed (byte* i = sec1) return secp256k1_ec_pubkey_parse(Ctx, pk, i, (nuint)sec1.Length) == 1;
    }

    /// <summary>ECDSA sign (RFC6979, optional 32-byte extra data) returning the 64-byte compact signature.</summary>
    public static byte[]? EcdsaSign(ReadOnlySpan<byte> hash32, ReadOnlySpan<byte> sk, ReadOnlySpan<byte> extra32 = default)
    {
        byte* sig = stackalloc byte[64];
        fixed (byte* m = hash32)
        fixed (byte* s = sk)
        fixed (byte* e = extra32)
        {
            if (secp256k1_ecdsa_sign(Ctx, sig, m, s, 0, extra32.IsEmpty ? null : e) != 1) return null;
        }

        var compact = new byte[64];
        fixed (byte* c = compact) secp256k1_ecdsa_signature_serialize_compact(Ctx, c, sig);
        return compact;
    }

    /// <summary>ECDSA verify of a compact signature against a SEC1 public key.</summary>
    public static bool EcdsaVerifyCompact(ReadOnlySpan<byte> compact64, ReadOnlySpan<byte> hash32, ReadOnlySpan<byte> sec1)
    {
        byte* sig = stackalloc byte[64];
        byte* pk = stackalloc byte[64];
        if (!LoadPub(sec1, pk)) return false;
        fixed (byte* c = compact64)
        {
            if (compact64.Length != 64 || secp256k1_ecdsa_signature_parse_compact(Ctx, sig, c) != 1) return false;
        }

        fixed (byte* m = hash32) return secp256k1_ecdsa_verify(Ctx, sig, m, pk) == 1;
    }

    /// <summary>Strict DER parse; the compact form of the parsed signature, or null.</summary>
    public static byte[]? EcdsaParseDer(ReadOnlySpan<byte> der)
    {
        byte* sig = stackalloc byte[64];
        fixed (byte* d = der)
        {
            if (secp256k1_ecdsa_signature_parse_der(Ctx, sig, d, (nuint)der.Length) != 1) return null;
        }

        var compact = new byte[64];
        fixed (byte* c = compact) secp256k1_ecdsa_signature_serialize_compact(Ctx, c, sig);
        return compact;
    }

    /// <summary>DER encoding of a compact signature, or null if it is not 64 bytes or r or s overflows.</summary>
    public static byte[]? EcdsaCompactToDer(ReadOnlySpan<byte> compact64)
    {
        // parse_compact reads 64 bytes whatever the buffer: a shorter span was read past its end
        // (the signature fuzz target's segfault inside libsecp256k1, docs/fuzzing.md).
        if (compact64.Length != 64) return null;
        byte* sig = stackalloc byte[64];
        fixed (byte* c = compact64)
        {
            if (secp256k1_ecdsa_signature_parse_compact(Ctx, sig, c) != 1) return null;
        }

        byte* output = stackalloc byte[80];
        nuint len = 80;
        if (secp256k1_ecdsa_signature_serialize_der(Ctx, output, &len, sig) != 1) return null;
        return new ReadOnlySpan<byte>(output, (int)len).ToArray();
    }

    public static byte[]? SecKeyNegate(ReadOnlySpan<byte> sk)
    {
        byte[] copy = sk.ToArray();
        fixed (byte* s = copy) return secp256k1_ec_seckey_negate(Ctx, s) == 1 ? copy : null;
    }

    public static byte[]? SecKeyTweakAdd(ReadOnlySpan<byte> sk, ReadOnlySpan<byte> tweak)
    {
        byte[] copy = sk.ToArray();
        fixed (byte* s = copy)
        fixed (byte* t = tweak) return secp256k1_ec_seckey_tweak_add(Ctx, s, t) == 1 ? copy : null;
    }

    public static byte[]? SecKeyTweakMul(ReadOnlySpan<byte> sk, ReadOnlySpan<byte> tweak)
    {
        byte[] copy = sk.ToArray();
        fixed (byte* s = copy)
        fixed (byte* t = tweak) return secp256k1_ec_seckey_tweak_mul(Ctx, s, t) == 1 ? copy : null;
    }

    public static byte[]? PubKeyTweakAdd(ReadOnlySpan<byte> sec1, ReadOnlySpan<byte> tweak)
    {
        byte* pk = stackalloc byte[64];
        if (!LoadPub(sec1, pk)) return null;
        fixed (byte* t = tweak)
        {
            if (secp256k1_ec_pubkey_tweak_add(Ctx, pk, t) != 1) return null;
        }

        return Serialize(pk, true);
    }

    public static byte[]? PubKeyTweakMul(ReadOnlySpan<byte> sec1, ReadOnlySpan<byte> tweak)
    {
        byte* pk = stackalloc byte[64];
        if (!LoadPub(sec1, pk)) return null;
        fixed (byte* t = tweak)
        {
            if (secp256k1_ec_pubkey_tweak_mul(Ctx, pk, t) != 1) return null;
        }

        return Serialize(pk, true);
    }

    public static byte[]? PubKeyNegate(ReadOnlySpan<byte> sec1)
    {
        byte* pk = stackalloc byte[64];
        if (!LoadPub(sec1, pk)) return null;
        secp256k1_ec_pubkey_negate(Ctx, pk);
        return Serialize(pk, true);
    }

    public static byte[]? PubKeyCombine(IReadOnlyList<byte[]> keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        byte* storage = stackalloc byte[64 * Math.Max(1, keys.Count)];
        byte** ptrs = stackalloc byte*[Math.Max(1, keys.Count)];
        for (int i = 0; i < keys.Count; i++)
        {
            if (!LoadPub(keys[i], storage + (64 * i))) return null;
            ptrs[i] = storage + (64 * i);
        }

        byte* result = stackalloc byte[64];
        if (secp256k1_ec_pubkey_combine(Ctx, result, ptrs, (nuint)keys.Count) != 1) return null;
        return Serialize(result, true);
    }

    /// <summary>Shared secret with the default SHA256 hash.</summary>
    public static byte[]? Ecdh(ReadOnlySpan<byte> sec1, ReadOnlySpan<byte> sk)
    {
        byte* pk = stackalloc byte[64];
        if (!LoadPub(sec1, pk)) return null;
        var output = new byte[32];
        fixed (byte* o = output)
        fixed (byte* s = sk) return secp256k1_ecdh(Ctx, o, pk, s, 0, null) == 1 ? output : null;
    }

    /// <summary>Recoverable sign: compact 64 bytes and the recovery id.</summary>
    public static (byte[] Sig, int RecId)? EcdsaSignRecoverable(ReadOnlySpan<byte> hash32, ReadOnlySpan<byte> sk)
    {
        byte* rsig = stackalloc byte[65];
        fixed (byte* m = hash32)
        fixed (byte* s = sk)
        {
            if (secp256k1_ecdsa_sign_recoverable(Ctx, rsig, m, s, 0, null) != 1) return null;
        }

        var output = new byte[64];
        int recid;
        fixed (byte* o = output) secp256k1_ecdsa_recoverable_signature_serialize_compact(Ctx, o, &recid, rsig);
        return (output, recid);
    }

    /// <summary>Recovers the compressed public key, or null.</summary>
    public static byte[]? EcdsaRecover(ReadOnlySpan<byte> compact64, int recid, ReadOnlySpan<byte> hash32)
    {
        byte* rsig = stackalloc byte[65];
        fixed (byte* c = compact64)
        {
            if (compact64.Length != 64 || secp256k1_ecdsa_recoverable_signature_parse_compact(Ctx, rsig, c, recid) != 1) return null;
        }

        byte* pk = stackalloc byte[64];
        fixed (byte* m = hash32)
        {
            if (secp256k1_ecdsa_recover(Ctx, pk, rsig, m) != 1) return null;
        }

        return Serialize(pk, true);
    }

    /// <summary>x-only public key of a secret key and its parity.</summary>
    public static byte[]? XOnlyFromSecKey(ReadOnlySpan<byte> sk, out bool odd)
    {
        odd = false;
        byte* kp = stackalloc byte[96];
        fixed (byte* s = sk)
        {
            if (secp256k1_keypair_create(Ctx, kp, s) != 1) return null;
        }

        byte* xo = stackalloc byte[64];
        int parity;
        secp256k1_keypair_xonly_pub(Ctx, xo, &parity, kp);
        odd = parity == 1;
        var output = new byte[32];
        fixed (byte* o = output) secp256k1_xonly_pubkey_serialize(Ctx, o, xo);
        return output;
    }

    public static bool XOnlyParse(ReadOnlySpan<byte> x32)
    {
        byte* xo = stackalloc byte[64];
        fixed (byte* i = x32) return x32.Length == 32 && secp256k1_xonly_pubkey_parse(Ctx, xo, i) == 1;
    }

    /// <summary>xonly_pubkey_tweak_add: the full output key (compressed) or null.</summary>
    public static byte[]? XOnlyTweakAdd(ReadOnlySpan<byte> x32, ReadOnlySpan<byte> tweak)
    {
        byte* xo = stackalloc byte[64];
        byte* pk = stackalloc byte[64];
        fixed (byte* i = x32)
        {
            if (secp256k1_xonly_pubkey_parse(Ctx, xo, i) != 1) return null;
        }

        fixed (byte* t = tweak)
        {
            if (secp256k1_xonly_pubkey_tweak_add(Ctx, pk, xo, t) != 1) return null;
        }

        return Serialize(pk, true);
    }

    public static bool XOnlyTweakAddCheck(ReadOnlySpan<byte> output32, bool odd, ReadOnlySpan<byte> internal32, ReadOnlySpan<byte> tweak)
    {
        byte* xo = stackalloc byte[64];
        fixed (byte* i = internal32)
        {
            if (secp256k1_xonly_pubkey_parse(Ctx, xo, i) != 1) return false;
        }

        fixed (byte* o = output32)
        fixed (byte* t = tweak) return secp256k1_xonly_pubkey_tweak_add_check(Ctx, o, odd ? 1 : 0, xo, t) == 1;
    }

    /// <summary>keypair_xonly_tweak_add: the resulting secret key or null.</summary>
    public static byte[]? KeypairXOnlyTweakAdd(ReadOnlySpan<byte> sk, ReadOnlySpan<byte> tweak)
    {
        byte* kp = stackalloc byte[96];
        fixed (byte* s = sk)
        {
            if (secp256k1_keypair_create(Ctx, kp, s) != 1) return null;
        }

        fixed (byte* t = tweak)
        {
            if (secp256k1_keypair_xonly_tweak_add(Ctx, kp, t) != 1) return null;
        }

        var output = new byte[32];
        fixed (byte* o = output) secp256k1_keypair_sec(Ctx, o, kp);
        return output;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct SchnorrExtraParams
    {
        public uint Magic;
        public nint NonceFp;
        public void* NData;
    }

    /// <summary>BIP340 sign of any-length message with 32-byte aux (or NULL aux when empty).</summary>
    public static byte[]? SchnorrSign(ReadOnlySpan<byte> message, ReadOnlySpan<byte> sk, ReadOnlySpan<byte> aux32)
    {
        byte* kp = stackalloc byte[96];
        fixed (byte* s = sk)
        {
            if (secp256k1_keypair_create(Ctx, kp, s) != 1) return null;
        }

        var sig = new byte[64];
        fixed (byte* a = aux32)
        fixed (byte* m = message)
        fixed (byte* o = sig)
        {
            // SECP256K1_SCHNORRSIG_EXTRAPARAMS_MAGIC { 0xda, 0x6f, 0xb3, 0x8c }
            var ep = new SchnorrExtraParams { Magic = 0x8cb36fda, NonceFp = 0, NData = aux32.IsEmpty ? null : a };
            byte dummy = 0;
            byte* mp = message.IsEmpty ? &dummy : m;
            if (secp256k1_schnorrsig_sign_custom(Ctx, o, mp, (nuint)message.Length, kp, &ep) != 1) return null;
        }

        return sig;
    }

    /// <summary>BIP340 sign32 (the fast path used by the benchmark).</summary>
    public static void SchnorrSign32(ReadOnlySpan<byte> msg32, ReadOnlySpan<byte> keypair96, ReadOnlySpan<byte> aux32, Span<byte> sig64)
    {
        fixed (byte* m = msg32)
        fixed (byte* k = keypair96)
        fixed (byte* a = aux32)
        fixed (byte* o = sig64) secp256k1_schnorrsig_sign32(Ctx, o, m, k, a);
    }

    /// <summary>Creates an opaque 96-byte keypair (for benchmarks).</summary>
    public static byte[]? KeypairCreate(ReadOnlySpan<byte> sk)
    {
        var kp = new byte[96];
        fixed (byte* k = kp)
        fixed (byte* s = sk) return secp256k1_keypair_create(Ctx, k, s) == 1 ? kp : null;
    }

    public static bool SchnorrVerify(ReadOnlySpan<byte> sig64, ReadOnlySpan<byte> message, ReadOnlySpan<byte> x32)
    {
        byte* xo = stackalloc byte[64];
        fixed (byte* i = x32)
        {
            if (x32.Length != 32 || secp256k1_xonly_pubkey_parse(Ctx, xo, i) != 1) return false;
        }

        byte dummy = 0;
        fixed (byte* s = sig64)
        fixed (byte* m = message)
        {
            if (sig64.Length != 64) return false;
            return secp256k1_schnorrsig_verify(Ctx, s, message.IsEmpty ? &dummy : m, (nuint)message.Length, xo) == 1;
        }
    }

    // ---- Opaque-handle helpers for benchmarks (avoid re-parsing in the measured loop) ----

    /// <summary>Parses a public key into its 64-byte internal form.</summary>
    public static byte[] ParsePubKeyOpaque(ReadOnlySpan<byte> sec1)
    {
        var pk = new byte[64];
        fixed (byte* p = pk)
        fixed (byte* i = sec1)
        {
            if (secp256k1_ec_pubkey_parse(Ctx, p, i, (nuint)sec1.Length) != 1) throw new ArgumentException("bad pubkey");
        }

        return pk;
    }

    /// <summary>Parses an x-only key into its 64-byte internal form.</summary>
    public static byte[] ParseXOnlyOpaque(ReadOnlySpan<byte> x32)
    {
        var xo = new byte[64];
        fixed (byte* p = xo)
        fixed (byte* i = x32)
        {
            if (secp256k1_xonly_pubkey_parse(Ctx, p, i) != 1) throw new ArgumentException("bad x-only key");
        }

        return xo;
    }

    /// <summary>Parses a compact signature into its 64-byte internal form.</summary>
    public static byte[] ParseSignatureOpaque(ReadOnlySpan<byte> compact64)
    {
        var sig = new byte[64];
        fixed (byte* p = sig)
        fixed (byte* i = compact64)
        {
            if (secp256k1_ecdsa_signature_parse_compact(Ctx, p, i) != 1) throw new ArgumentException("bad signature");
        }

        return sig;
    }

    public static void PubKeyCreateOpaque(ReadOnlySpan<byte> sk, Span<byte> pubkey64)
    {
        fixed (byte* p = pubkey64)
        fixed (byte* s = sk) secp256k1_ec_pubkey_create(Ctx, p, s);
    }

    public static void EcdsaSignOpaque(ReadOnlySpan<byte> hash32, ReadOnlySpan<byte> sk, Span<byte> sig64)
    {
        fixed (byte* o = sig64)
        fixed (byte* m = hash32)
        fixed (byte* s = sk) secp256k1_ecdsa_sign(Ctx, o, m, s, 0, null);
    }

    public static bool EcdsaVerifyOpaque(ReadOnlySpan<byte> sig64, ReadOnlySpan<byte> hash32, ReadOnlySpan<byte> pubkey64)
    {
        fixed (byte* s = sig64)
        fixed (byte* m = hash32)
        fixed (byte* p = pubkey64) return secp256k1_ecdsa_verify(Ctx, s, m, p) == 1;
    }

    public static bool SchnorrVerifyOpaque(ReadOnlySpan<byte> sig64, ReadOnlySpan<byte> msg32, ReadOnlySpan<byte> xonly64)
    {
        fixed (byte* s = sig64)
        fixed (byte* m = msg32)
        fixed (byte* p = xonly64) return secp256k1_schnorrsig_verify(Ctx, s, m, (nuint)msg32.Length, p) == 1;
    }

    public static void EcdhOpaque(ReadOnlySpan<byte> pubkey64, ReadOnlySpan<byte> sk, Span<byte> out32)
    {
        fixed (byte* o = out32)
        fixed (byte* p = pubkey64)
        fixed (byte* s = sk) secp256k1_ecdh(Ctx, o, p, s, 0, null);
    }

    [LibraryImport(Lib)] private static partial nint secp256k1_context_create(uint flags);
    [LibraryImport(Lib)] private static partial void secp256k1_context_set_illegal_callback(nint ctx, delegate* unmanaged[Cdecl]<byte*, void*, void> fun, nint data);
    [LibraryImport(Lib)] private static partial int secp256k1_ec_seckey_verify(nint ctx, byte* seckey);
    [LibraryImport(Lib)] private static partial int secp256k1_ec_pubkey_create(nint ctx, byte* pubkey, byte* seckey);
    [LibraryImport(Lib)] private static partial int secp256k1_ec_pubkey_parse(nint ctx, byte* pubkey, byte* input, nuint inputlen);
    [LibraryImport(Lib)] private static partial int secp256k1_ec_pubkey_serialize(nint ctx, byte* output, nuint* outputlen, byte* pubkey, uint flags);
    [LibraryImport(Lib)] private static partial int secp256k1_ec_seckey_negate(nint ctx, byte* seckey);
    [LibraryImport(Lib)] private static partial int secp256k1_ec_seckey_tweak_add(nint ctx, byte* seckey, byte* tweak);
    [LibraryImport(Lib)] private static partial int secp256k1_ec_seckey_tweak_mul(nint ctx, byte* seckey, byte* tweak);
    [LibraryImport(Lib)] private static partial int secp256k1_ec_pubkey_negate(nint ctx, byte* pubkey);
    [LibraryImport(Lib)] private static partial int secp256k1_ec_pubkey_tweak_add(nint ctx, byte* pubkey, byte* tweak);
    [LibraryImport(Lib)] private static partial int secp256k1_ec_pubkey_tweak_mul(nint ctx, byte* pubkey, byte* tweak);
    [LibraryImport(Lib)] private static partial int secp256k1_ec_pubkey_combine(nint ctx, byte* output, byte** ins, nuint n);
    [LibraryImport(Lib)] private static partial int secp256k1_ecdsa_sign(nint ctx, byte* sig, byte* msg32, byte* seckey, nint noncefp, void* ndata);
    [LibraryImport(Lib)] private static partial int secp256k1_ecdsa_verify(nint ctx, byte* sig, byte* msg32, byte* pubkey);
    [LibraryImport(Lib)] private static partial int secp256k1_ecdsa_signature_parse_der(nint ctx, byte* sig, byte* input, nuint inputlen);
    [LibraryImport(Lib)] private static partial int secp256k1_ecdsa_signature_serialize_der(nint ctx, byte* output, nuint* outputlen, byte* sig);
    [LibraryImport(Lib)] private static partial int secp256k1_ecdsa_signature_parse_compact(nint ctx, byte* sig, byte* input64);
    [LibraryImport(Lib)] private static partial int secp256k1_ecdsa_signature_serialize_compact(nint ctx, byte* output64, byte* sig);
    [LibraryImport(Lib)] private static partial int secp256k1_ecdh(nint ctx, byte* output, byte* pubkey, byte* seckey, nint hashfp, void* data);
    [LibraryImport(Lib)] private static partial int secp256k1_ecdsa_sign_recoverable(nint ctx, byte* sig, byte* msg32, byte* seckey, nint noncefp, void* ndata);
    [LibraryImport(Lib)] private static partial int secp256k1_ecdsa_recover(nint ctx, byte* pubkey, byte* sig, byte* msg32);
    [LibraryImport(Lib)] private static partial int secp256k1_ecdsa_recoverable_signature_parse_compact(nint ctx, byte* sig, byte* input64, int recid);
    [LibraryImport(Lib)] private static partial int secp256k1_ecdsa_recoverable_signature_serialize_compact(nint ctx, byte* output64, int* recid, byte* sig);
    [LibraryImport(Lib)] private static partial int secp256k1_keypair_create(nint ctx, byte* keypair, byte* seckey);
    [LibraryImport(Lib)] private static partial int secp256k1_keypair_sec(nint ctx, byte* seckey, byte* keypair);
    [LibraryImport(Lib)] private static partial int secp256k1_keypair_xonly_pub(nint ctx, byte* pubkey, int* parity, byte* keypair);
    [LibraryImport(Lib)] private static partial int secp256k1_keypair_xonly_tweak_add(nint ctx, byte* keypair, byte* tweak);
    [LibraryImport(Lib)] private static partial int secp256k1_xonly_pubkey_parse(nint ctx, byte* pubkey, byte* input32);
    [LibraryImport(Lib)] private static partial int secp256k1_xonly_pubkey_serialize(nint ctx, byte* output32, byte* pubkey);
    [LibraryImport(Lib)] private static partial int secp256k1_xonly_pubkey_tweak_add(nint ctx, byte* outputPubkey, byte* internalPubkey, byte* tweak);
    [LibraryImport(Lib)] private static partial int secp256k1_xonly_pubkey_tweak_add_check(nint ctx, byte* tweaked32, int parity, byte* internalPubkey, byte* tweak);
    [LibraryImport(Lib)] private static partial int secp256k1_schnorrsig_sign32(nint ctx, byte* sig64, byte* msg32, byte* keypair, byte* aux32);
    [LibraryImport(Lib)] private static partial int secp256k1_schnorrsig_sign_custom(nint ctx, byte* sig64, byte* msg, nuint msglen, byte* keypair, SchnorrExtraParams* extraparams);
    [LibraryImport(Lib)] private static partial int secp256k1_schnorrsig_verify(nint ctx, byte* sig64, byte* msg, nuint msglen, byte* pubkey);
}
