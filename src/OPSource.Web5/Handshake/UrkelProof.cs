using System.Text.Json;
using System.Text.Json.Nodes;
using OPSource.Web5.Encoding;

namespace OPSource.Web5.Handshake;

/// <summary>What an Urkel tree proof shows about a key.</summary>
public enum UrkelProofType
{
    /// <summary>The path ends in an empty subtree: the key is absent.</summary>
    Deadend = 0,

    /// <summary>The path ends in an internal node whose prefix diverges from the key: absent.</summary>
    Short = 1,

    /// <summary>The path ends in a leaf for another key: absent.</summary>
    Collision = 2,

    /// <summary>The key is present with the proven value.</summary>
    Exists = 3,
}

/// <summary>Why an Urkel proof did not verify (urkel's PROOF_* codes).</summary>
public enum UrkelProofError
{
    /// <summary>Verified.</summary>
    None = 0,

    /// <summary>The recomputed root is not the expected root.</summary>
    HashMismatch,

    /// <summary>A collision proof names the key itself.</summary>
    SameKey,

    /// <summary>A short proof's prefix agrees with the key.</summary>
    SamePath,

    /// <summary>The nodes need more depth than the proof claims.</summary>
    NegativeDepth,

    /// <summary>A node's prefix does not match the key.</summary>
    PathMismatch,

    /// <summary>The proof claims more depth than its nodes use.</summary>
    TooDeep,

    /// <summary>The proof is not well-formed.</summary>
    Malformed,
}

/// <summary>One sibling on the path: its skip prefix (bits) and its hash.</summary>
/// <param name="Prefix">The prefix bits ('0'/'1' per bit).</param>
/// <param name="Hash">The sibling hash.</param>
public sealed record UrkelProofNode(string Prefix, byte[] Hash);

/// <summary>
/// A proof from hsd's Urkel tree (the base-2 radix tree of name states, BLAKE2b-256, 256-bit keys;
/// github.com/handshake-org/urkel lib/proof.js), as hsd's <c>getnameproof</c> returns it in JSON.
/// </summary>
public sealed class UrkelProof
{
    /// <summary>Key size in bits (SHA3-256 name hashes).</summary>
    public const int KeyBits = 256;

    private const int HashSize = 32;

    private UrkelProof(UrkelProofType type, int depth, IReadOnlyList<UrkelProofNode> nodes)
    {
        Type = type;
        Depth = depth;
        Nodes = nodes;
    }

    /// <summary>The type.</summary>
    public UrkelProofType Type { get; }

    /// <summary>The depth of the leaf.</summary>
    public int Depth { get; }

    /// <summary>The siblings from the root down.</summary>
    public IReadOnlyList<UrkelProofNode> Nodes { get; }

    /// <summary>Short: the diverging node's prefix.</summary>
    public string? Prefix { get; private init; }

    /// <summary>Short: the diverging node's left hash.</summary>
    public byte[]? Left { get; private init; }

    /// <summary>Short: the diverging node's right hash.</summary>
    public byte[]? Right { get; private init; }

    /// <summary>Collision: the other key.</summary>
    public byte[]? OtherKey { get; private init; }

    /// <summary>Collision: the other key's value hash.</summary>
    public byte[]? OtherHash { get; private init; }

    /// <summary>Exists: the value.</summary>
    public byte[]? Value { get; private init; }

    /// <summary>Parses hsd's JSON form (urkel Proof.toJSON); throws <see cref="FormatException"/> naming the member.</summary>
    public static UrkelProof FromJson(JsonObject json)
    {
        ArgumentNullException.ThrowIfNull(json);
        var type = json.GetString("type") switch
        {
            "TYPE_DEADEND" => UrkelProofType.Deadend,
            "TYPE_SHORT" => UrkelProofType.Short,
            "TYPE_COLLISION" => UrkelProofType.Collision,
            "TYPE_EXISTS" => UrkelProofType.Exists,
            var t => throw Web5FormatError.Exception(Web5FormatErrorKind.InvalidUrkelProof, $"urkel proof: unknown type '{t}'"),
        };
        if (json.GetInt64("depth") is not { } depth || depth is < 0 or > KeyBits)
        {
            throw Web5FormatError.Exception(Web5FormatErrorKind.InvalidUrkelProof, "urkel proof: depth must be an integer from 0 to 256");
        }

        if (json["nodes"] is not JsonArray nodeArray || nodeArray.Count > KeyBits)
        {
            throw Web5FormatError.Exception(Web5FormatErrorKind.InvalidUrkelProof, "urkel proof: nodes must be an array of at most 256 entries");
        }

        var nodes = new List<UrkelProofNode>(nodeArray.Count);
        foreach (var n in nodeArray)
        {
            if (n is not JsonArray pair || pair.Count != 2 || pair[0] is not JsonValue p || p.GetValueKind() != JsonValueKind.String)
            {
                throw Web5FormatError.Exception(Web5FormatErrorKind.InvalidUrkelProof, "urkel proof: a node must be [prefix bits, hash hex]");
            }

            nodes.Add(new UrkelProofNode(Bits(p.GetValue<string>()), Hex(pair[1], HashSize, "node hash")));
        }

        var proof = new UrkelProof(type, (int)depth, nodes);
        return type switch
        {
            UrkelProofType.Short => new UrkelProof(type, (int)depth, nodes)
            {
                Prefix = Bits(json.GetString("prefix") ?? throw Web5FormatError.Exception(Web5FormatErrorKind.InvalidUrkelProof, "urkel proof: short proof without prefix")) is { Length: > 0 and <= KeyBits } prefix
                    ? prefix
                    : throw Web5FormatError.Exception(Web5FormatErrorKind.InvalidUrkelProof, "urkel proof: short proof prefix must have 1 to 256 bits"),
                Left = Hex(json["left"], HashSize, "left"),
                Right = Hex(json["right"], HashSize, "right"),
            },
            UrkelProofType.Collision => new UrkelProof(type, (int)depth, nodes) { OtherKey = Hex(json["key"], KeyBits / 8, "key"), OtherHash = Hex(json["hash"], HashSize, "hash") },
            UrkelProofType.Exists => new UrkelProof(type, (int)depth, nodes) { Value = Hex(json["value"], -1, "value") is { Length: <= 0xffff } v ? v : throw Web5FormatError.Exception(Web5FormatErrorKind.InvalidUrkelProof, "urkel proof: value too large") },
            _ => proof,
        };
    }

    private static string Bits(string s) =>
        s.Length <= KeyBits && s.All(c => c is '0' or '1') ? s : throw Web5FormatError.Exception(Web5FormatErrorKind.InvalidUrkelProof, "urkel proof: a prefix is a string of at most 256 '0'/'1' bits");

    private static byte[] Hex(JsonNode? node, int size, string what)
    {
        if (node is not JsonValue v || v.GetValueKind() != JsonValueKind.String)
        {
            throw Web5FormatError.Exception(Web5FormatErrorKind.InvalidUrkelProof, $"urkel proof: {what} must be a hex string");
        }

        byte[] bytes;
        try
        {
            bytes = Convert.FromHexString(v.GetValue<string>());
        }
        catch (FormatException)
        {
            throw Web5FormatError.Exception(Web5FormatErrorKind.InvalidUrkelProof, $"urkel proof: {what} is not hex");
        }

        return size < 0 || bytes.Length == size ? bytes : throw Web5FormatError.Exception(Web5FormatErrorKind.InvalidUrkelProof, $"urkel proof: {what} must be {size} bytes");
    }

    /// <summary>
    /// Verifies the proof for <paramref name="key"/> against <paramref name="root"/> (urkel Proof.verify):
    /// the leaf is recreated from the proof type, then hashed upwards with the siblings, each internal
    /// node being BLAKE2b(0x01 || left || right), or BLAKE2b(0x02 || u16le(bits) || prefix || left || right)
    /// when it skips a prefix; a leaf is BLAKE2b(0x00 || key || BLAKE2b(value)); an empty subtree is 32
    /// zero bytes. On success <paramref name="value"/> is the proven value (null for proofs of absence).
    /// </summary>
    public UrkelProofError Verify(ReadOnlySpan<byte> root, ReadOnlySpan<byte> key, out byte[]? value)
    {
        value = null;
        if (root.Length != HashSize || key.Length != KeyBits / 8)
        {
            return UrkelProofError.Malformed;
        }

        var keyBytes = key.ToArray();
        byte[] next;
        switch (Type)
        {
            case UrkelProofType.Deadend:
                next = new byte[HashSize];
                break;
            case UrkelProofType.Short:
                if (HasPrefix(Prefix!, keyBytes, Depth))
                {
                    return UrkelProofError.SamePath;
                }

                next = HashInternal(Prefix!, Left!, Right!);
                break;
            case UrkelProofType.Collision:
                if (OtherKey!.AsSpan().SequenceEqual(key))
                {
                    return UrkelProofError.SameKey;
                }

                next = HashLeaf(OtherKey!, OtherHash!);
                break;
            default:
                next = HashLeaf(keyBytes, Blake2b(Value!));
                break;
        }

        var depth = Depth;
        for (var i = Nodes.Count - 1; i >= 0; i--)
        {
            var (prefix, sibling) = (Nodes[i].Prefix, Nodes[i].Hash);
            if (depth < prefix.Length + 1)
            {
                return UrkelProofError.NegativeDepth;
            }

            depth--;
            next = BitAt(keyBytes, depth) ? HashInternal(prefix, sibling, next) : HashInternal(prefix, next, sibling);
            depth -= prefix.Length;
            if (!HasPrefix(prefix, keyBytes, depth))
            {
                return UrkelProofError.PathMismatch;
            }
        }

        if (depth != 0)
        {
            return UrkelProofError.TooDeep;
        }

        if (!next.AsSpan().SequenceEqual(root))
        {
            return UrkelProofError.HashMismatch;
        }

        value = Value?.ToArray();
        return UrkelProofError.None;
    }

    private static bool BitAt(byte[] key, int index) => ((key[index >> 3] >> (7 - (index & 7))) & 1) == 1;

    // urkel Bits.has: every prefix bit equals the key's bit from depth on (as far as the key goes).
    private static bool HasPrefix(string prefix, byte[] key, int depth)
    {
        var length = Math.Min(prefix.Length, (key.Length * 8) - depth);
        for (var i = 0; i < length; i++)
        {
            if ((prefix[i] == '1') != BitAt(key, depth + i))
            {
                return false;
            }
        }

        return length == prefix.Length;
    }

    private static byte[] HashLeaf(byte[] key, byte[] valueHash) => Blake2b([0x00, .. key, .. valueHash]);

    private static byte[] HashInternal(string prefix, byte[] left, byte[] right)
    {
        if (prefix.Length == 0)
        {
            return Blake2b([0x01, .. left, .. right]);
        }

        var bits = new byte[(prefix.Length + 7) / 8];
        for (var i = 0; i < prefix.Length; i++)
        {
            if (prefix[i] == '1')
            {
                bits[i >> 3] |= (byte)(1 << (7 - (i & 7)));
            }
        }

        return Blake2b([0x02, (byte)(prefix.Length & 0xff), (byte)(prefix.Length >> 8), .. bits, .. left, .. right]);
    }

    private static byte[] Blake2b(ReadOnlySpan<byte> data) => NSec.Cryptography.HashAlgorithm.Blake2b_256.Hash(data);
}
