using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using OPSource.Bitcoin;
using OPSource.Bitcoin.Addresses;
using OPSource.Bitcoin.Encoding;
using OPSource.Bitcoin.Transactions;
using OPSource.Platform.Funding;

namespace OPSource.Wallet.Labels;

/// <summary>One BIP329 record read from an export: the label (or null), the output's spendable flag (or null), and the line.</summary>
/// <param name="Type">BIP329 type.</param>
/// <param name="Ref">Reference in the type's canonical form.</param>
/// <param name="Label">Label text, null when the record has none (the importing wallet keeps its own).</param>
/// <param name="Spendable">For outputs: whether the coin may be spent; null when absent.</param>
/// <param name="Line">1-based line number.</param>
public sealed record Bip329Record(string Type, string Ref, string? Label, bool? Spendable, int Line);

/// <summary>Extra BIP329 fields an exporting wallet provides when it has them (BIP329 "Additional Fields").</summary>
public sealed record Bip329Extras
{
    /// <summary>Block height of a transaction/output confirmed by at least 6 blocks (BIP329: omit otherwise).</summary>
    public int? Height { get; init; }

    /// <summary>Time of that block.</summary>
    public DateTimeOffset? Time { get; init; }

    /// <summary>Fee of a transaction, in satoshis.</summary>
    public long? Fee { get; init; }

    /// <summary>Net value of a transaction for the wallet (negative when sending), or an output's value, in satoshis.</summary>
    public long? Value { get; init; }

    /// <summary>For addresses and outputs: the path below the origin, <c>/0/5</c>.</summary>
    public string? KeyPath { get; init; }
}

/// <summary>
/// BIP329 wallet labels (JSON Lines, one record per line): parsing with validation of every defined type's
/// reference, and export with the optional additional fields. Types BIP329 does not define are ignored on import
/// ("importing wallets ... should ignore types not defined here").
/// </summary>
public static class Bip329
{
    /// <summary>The types BIP329 defines.</summary>
    public static IReadOnlySet<string> Types { get; } = new HashSet<string>(StringComparer.Ordinal) { "tx", "addr", "pubkey", "input", "output", "xpub", "spscan" };

    /// <summary>Labels longer than this are refused (BIP329 suggests 255 as a default maximum; we keep up to this many characters).</summary>
    public const int MaxLabelLength = 4096;

    /// <summary>
    /// Parses an export. Every record must be a JSON object with string <c>type</c> and <c>ref</c>; defined types must
    /// have a valid reference (txid, address of <paramref name="network"/>, public key, outpoint, xpub); <c>label</c>
    /// must be a string and <c>spendable</c> a boolean on outputs. Blank lines are skipped.
    /// </summary>
    /// <exception cref="WalletOperationException">The first invalid line, named by its number (nothing is imported).</exception>
    public static IReadOnlyList<Bip329Record> Parse(string text, Network network)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(network);
        var records = new List<Bip329Record>();
        var lineNumber = 0;
        foreach (var raw in text.Split('\n'))
        {
            lineNumber++;
            var line = raw.Trim();
            if (line.Length == 0)
            {
                continue;
            }

            JsonDocument doc;
            try
            {
                doc = JsonDocument.Parse(line);
            }
            catch (JsonException)
            {
                throw Invalid(lineNumber, "is not a JSON object");
            }

            using (doc)
            {
                var root = doc.RootElement;
                if (root.ValueKind != JsonValueKind.Object)
                {
                    throw Invalid(lineNumber, "is not a JSON object");
                }

                var type = RequiredString(root, "type", lineNumber);
                var reference = RequiredString(root, "ref", lineNumber);
                if (!Types.Contains(type))
                {
                    continue;
                }

                string? label = null;
                if (root.TryGetProperty("label", out var l) && l.ValueKind != JsonValueKind.Null)
                {
                    if (l.ValueKind != JsonValueKind.String)
                    {
                        throw Invalid(lineNumber, "label must be a string");
                    }

                    label = l.GetString()!;
                    if (label.Length > MaxLabelLength)
                    {
                        throw Invalid(lineNumber, $"label is longer than {MaxLabelLength} characters");
                    }
                }

                bool? spendable = null;
                if (root.TryGetProperty("spendable", out var sp) && sp.ValueKind != JsonValueKind.Null)
                {
                    if (sp.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                    {
                        throw Invalid(lineNumber, "spendable must be true or false (not a string)");
                    }

                    // BIP329: spendable only appears on outputs; elsewhere it means nothing.
                    spendable = type == "output" ? sp.GetBoolean() : null;
                }

                records.Add(new Bip329Record(type, Canonical(type, reference, network, lineNumber), label, spendable, lineNumber));
            }
        }

        return records;
    }

    /// <summary>Writes one record as a JSON line (no trailing newline).</summary>
    public static string Write(WalletLabel label, Bip329Extras? extras = null)
    {
        ArgumentNullException.ThrowIfNull(label);
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteString("type", label.Type);
            w.WriteString("ref", label.Ref);
            if (label.Label is { } text)
            {
                w.WriteString("label", text);
            }

            if (label.Type == "output" && label.Spendable is { } spendable)
            {
                w.WriteBoolean("spendable", spendable);
            }

            if (extras is not null)
            {
                if (extras.Height is { } height)
                {
                    w.WriteNumber("height", height);
                }

                if (extras.Time is { } time)
                {
                    w.WriteString("time", time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));
                }

                if (extras.Fee is { } fee)
                {
                    w.WriteNumber("fee", fee);
                }

                if (extras.Value is { } value)
                {
                    w.WriteNumber("value", value);
                }

                if (extras.KeyPath is { } path)
                {
                    w.WriteString("keypath", path);
                }
            }

            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static string RequiredString(JsonElement root, string name, int line) =>
        root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String && v.GetString() is { Length: > 0 } s
            ? s
            : throw Invalid(line, $"'{name}' must be a non-empty string");

    private static string Canonical(string type, string reference, Network network, int line)
    {
        switch (type)
        {
            case "tx":
                return TxId.TryParse(reference, out var txid) ? txid.ToString() : throw Invalid(line, "tx ref must be a 64-digit hex transaction id");
            case "input" or "output":
                return OutPoint.TryParse(reference, out var op) ? op.ToString() : throw Invalid(line, $"{type} ref must be txid:index");

            case "addr":
                if (Address.TryParse(reference, network, out var address, out _))
                {
                    return address.ToString();
                }

                throw Address.TryParse(reference, out var other, out _)
                    ? new WalletOperationException(WalletErrorKind.WrongNetwork, $"labels: line {line}: address of {other.Network.Name}, not {network.Name}")
                    : Invalid(line, "addr ref is not an address");
            case "pubkey":
                return Hex.TryParse(reference, out var bytes, out _) && bytes.Length is 32 or 33 or 65
                    ? Convert.ToHexStringLower(bytes)
                    : throw Invalid(line, "pubkey ref must be a 32, 33 or 65 byte public key in hex");
            case "xpub":
                return Base58.TryDecodeCheck(reference, out var payload, out _) && payload.Length == 78
                    ? reference
                    : throw Invalid(line, "xpub ref is not a BIP32 extended public key");
            default:
                return reference; // spscan: kept as written
        }
    }

    private static WalletOperationException Invalid(int line, string message) =>
        new(WalletErrorKind.InvalidRequest, $"labels: line {line}: {message}");
}
