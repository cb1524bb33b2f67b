using System.Text;
using System.Text.Json;
using OPSource.Dao.Log;

namespace OPSource.Dao.Bundle;

/// <summary>Proof that an anchor transaction is in a block (raw data from a node; the verifier rechecks all of it).</summary>
/// <param name="Seq">Position of the anchor event it proves.</param>
/// <param name="RawTransaction">The anchor transaction, hex.</param>
/// <param name="BlockHash">Hash of the block holding it (display hex), or null while unconfirmed.</param>
/// <param name="BlockHeight">That block's height.</param>
/// <param name="BlockHeader">The 80-byte header, hex.</param>
/// <param name="TxOutProof">Core's gettxoutproof for the txid, hex.</param>
public sealed record AnchorProof(long Seq, string RawTransaction, string? BlockHash, int? BlockHeight, string? BlockHeader, string? TxOutProof);

/// <summary>A transaction the log names (a treasury spend), with the same optional block proof.</summary>
/// <param name="Txid">Its txid.</param>
/// <param name="RawTransaction">Hex.</param>
/// <param name="BlockHash">Block hash or null.</param>
/// <param name="BlockHeight">Block height or null.</param>
/// <param name="BlockHeader">Header hex or null.</param>
/// <param name="TxOutProof">gettxoutproof hex or null.</param>
public sealed record BundleTransaction(string Txid, string RawTransaction, string? BlockHash, int? BlockHeight, string? BlockHeader, string? TxOutProof);

/// <summary>
/// Everything a third party needs to re-check a DAO: the signed log, the anchors' transactions and block
/// proofs, and the treasury spends. Format <c>opsource-dao-bundle</c> version 1 (docs/dao.md "Bundle format").
/// </summary>
/// <param name="DaoId">The DAO id (hash of event 0).</param>
/// <param name="Events">The whole log in order.</param>
/// <param name="Anchors">Proofs of the anchor events.</param>
/// <param name="Transactions">Spend transactions named by execute events.</param>
public sealed record DaoBundle(string DaoId, IReadOnlyList<DaoEvent> Events, IReadOnlyList<AnchorProof> Anchors, IReadOnlyList<BundleTransaction> Transactions)
{
    /// <summary>The format name.</summary>
    public const string Format = "opsource-dao-bundle";

    /// <summary>Writes the bundle as indented JSON.</summary>
    public string ToJson()
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("format", Format);
            w.WriteNumber("version", 1);
            w.WriteString("dao_id", DaoId);
            w.WriteStartArray("events");
            foreach (var e in Events)
            {
                w.WriteStartObject();
                w.WriteNumber("seq", e.Seq);
                w.WriteNumber("height", e.Height);
                w.WriteString("prev", Convert.ToHexStringLower(e.Prev));
                w.WriteString("body", e.Body);
                if (e.Signature is null)
                {
                    w.WriteNull("sig");
                }
                else
                {
                    w.WriteString("sig", Convert.ToHexStringLower(e.Signature));
                }

                w.WriteString("hash", Convert.ToHexStringLower(e.Hash));
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteStartArray("anchors");
            foreach (var a in Anchors)
            {
                w.WriteStartObject();
                w.WriteNumber("seq", a.Seq);
                w.WriteString("raw_tx", a.RawTransaction);
                WriteBlock(w, a.BlockHash, a.BlockHeight, a.BlockHeader, a.TxOutProof);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteStartArray("transactions");
            foreach (var t in Transactions)
            {
                w.WriteStartObject();
                w.WriteString("txid", t.Txid);
                w.WriteString("raw_tx", t.RawTransaction);
                WriteBlock(w, t.BlockHash, t.BlockHeight, t.BlockHeader, t.TxOutProof);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static void WriteBlock(Utf8JsonWriter w, string? hash, int? height, string? header, string? proof)
    {
        WriteNullable(w, "block_hash", hash);
        if (height is { } h)
        {
            w.WriteNumber("block_height", h);
        }
        else
        {
            w.WriteNull("block_height");
        }

        WriteNullable(w, "block_header", header);
        WriteNullable(w, "txout_proof", proof);
    }

    private static void WriteNullable(Utf8JsonWriter w, string name, string? value)
    {
        if (value is null)
        {
            w.WriteNull(name);
        }
        else
        {
            w.WriteString(name, value);
        }
    }

    /// <summary>Parses a bundle; errors name the field and, for events, the position.</summary>
    /// <exception cref="DaoException">Not a bundle, or a malformed field.</exception>
    public static DaoBundle Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (JsonException ex)
        {
            throw new DaoException("bundle is not JSON: " + ex.Message.Split('.')[0]);
        }

        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object || Str(root, "format", "bundle") != Format)
            {
                throw new DaoException($"not a DAO bundle (format must be '{Format}')");
            }

            if (!root.TryGetProperty("version", out var version) || !version.TryGetInt32(out var v) || v != 1)
            {
                throw new DaoException("bundle version must be 1");
            }

            var daoId = Str(root, "dao_id", "bundle");
            var events = new List<DaoEvent>();
            var index = 0;
            foreach (var e in Array(root, "events"))
            {
                var where = $"events[{index++}]";
                var sig = e.TryGetProperty("sig", out var s) && s.ValueKind == JsonValueKind.Null ? null : Hex(e, "sig", where, 64);
                events.Add(new DaoEvent(Long(e, "seq", where), (int)Long(e, "height", where), Hex(e, "prev", where, 32), Str(e, "body", where), sig, Hex(e, "hash", where, 32)));
            }

            var anchors = new List<AnchorProof>();
            index = 0;
            foreach (var a in Array(root, "anchors"))
            {
                var where = $"anchors[{index++}]";
                anchors.Add(new AnchorProof(Long(a, "seq", where), Str(a, "raw_tx", where), OptStr(a, "block_hash", where), OptInt(a, "block_height", where), OptStr(a, "block_header", where), OptStr(a, "txout_proof", where)));
            }

            var transactions = new List<BundleTransaction>();
            index = 0;
            foreach (var t in Array(root, "transactions"))
            {
                var where = $"transactions[{index++}]";
                transactions.Add(new BundleTransaction(Str(t, "txid", where), Str(t, "raw_tx", where), OptStr(t, "block_hash", where), OptInt(t, "block_height", where), OptStr(t, "block_header", where), OptStr(t, "txout_proof", where)));
            }

            return new DaoBundle(daoId, events, anchors, transactions);
        }
    }

    private static JsonElement.ArrayEnumerator Array(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Array ? v.EnumerateArray() : throw new DaoException($"bundle: {name} must be an array");

    private static string Str(JsonElement e, string name, string where) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : throw new DaoException($"{where}: {name} must be a string");

    private static string? OptStr(JsonElement e, string name, string where) =>
        !e.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null ? null : Str(e, name, where);

    private static int? OptInt(JsonElement e, string name, string where) =>
        !e.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null ? null : (int)Long(e, name, where);

    private static long Long(JsonElement e, string name, string where) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var n) && n >= 0 ? n : throw new DaoException($"{where}: {name} must be a non-negative integer");

    private static byte[] Hex(JsonElement e, string name, string where, int length)
    {
        var text = Str(e, name, where);
        if (text.Length != length * 2)
        {
            throw new DaoException($"{where}: {name} must be {length * 2} hex digits");
        }

        try
        {
            return Convert.FromHexString(text);
        }
        catch (FormatException)
        {
            throw new DaoException($"{where}: {name} must be hex");
        }
    }
}
