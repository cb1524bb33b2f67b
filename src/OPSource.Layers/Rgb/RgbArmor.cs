using System.Security.Cryptography;
using System.Text;

namespace OPSource.Layers.Rgb;

/// <summary>One armor header: <c>Name: value</c>, optionally with <c>;\n\tkey=value</c> parameters.</summary>
public sealed record ArmorHeader(string Name, string Value, IReadOnlyList<(string Key, string Value)> Params);

/// <summary>A parsed ASCII-armored block.</summary>
public sealed record ArmoredBlock(string Title, IReadOnlyList<ArmorHeader> Headers, byte[] Payload);

/// <summary>
/// RGB ASCII armor (rgb-ascii-armor with the base85 feature): <c>-----BEGIN TITLE-----</c>, headers, a
/// <c>Check-SHA256</c> header over the payload, a blank line, the payload in base85 (RFC 1924 alphabet) in
/// lines of 80 characters, a blank line and <c>-----END TITLE-----</c>.
/// </summary>
public static class RgbArmor
{
    public const string KitTitle = "RGB KIT";
    public const string ConsignmentTitle = "RGB CONSIGNMENT";
    private const string ChecksumHeader = "Check-SHA256";
    private const string Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz!#$%&()*+-;<=>?@^_`{|}~";

    /// <summary>Parses an armored block, verifying its checksum when present.</summary>
    public static ArmoredBlock Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        int i = 0;
        while (i < lines.Length && lines[i].Trim().Length == 0)
        {
            i++;
        }

        if (i >= lines.Length || !lines[i].StartsWith("-----BEGIN ", StringComparison.Ordinal) || !lines[i].EndsWith("-----", StringComparison.Ordinal))
        {
            throw new RgbDecodeException(RgbErrorKind.InvalidArmor, "armor: missing -----BEGIN ...----- line");
        }

        string title = lines[i]["-----BEGIN ".Length..^5];
        string end = $"-----END {title}-----";
        i++;
        var rawHeaders = new List<string>();
        for (; i < lines.Length && lines[i].Length > 0; i++)
        {
            if ((lines[i][0] == '\t' || lines[i][0] == ' ') && rawHeaders.Count > 0)
            {
                rawHeaders[^1] += lines[i].Trim();
            }
            else
            {
                rawHeaders.Add(lines[i]);
            }
        }

        var headers = new List<ArmorHeader>();
        string? checksum = null;
        foreach (var h in rawHeaders)
        {
            int colon = h.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                throw new RgbDecodeException(RgbErrorKind.InvalidArmor, $"armor: invalid header '{h}'");
            }

            string name = h[..colon];
            var parts = h[(colon + 1)..].Split(';');
            var ps = parts.Skip(1).Select(p =>
            {
                int eq = p.IndexOf('=', StringComparison.Ordinal);
                return eq < 0 ? throw new RgbDecodeException(RgbErrorKind.InvalidArmor, $"armor: invalid header parameter '{p}'") : (p[..eq].Trim(), p[(eq + 1)..].Trim());
            }).ToList();
            if (name == ChecksumHeader)
            {
                checksum = checksum is null ? parts[0].Trim() : throw new RgbDecodeException(RgbErrorKind.InvalidArmor, "armor: multiple checksums");
            }
            else
            {
                headers.Add(new ArmorHeader(name, parts[0].Trim(), ps));
            }
        }

        var data = new StringBuilder();
        bool ended = false;
        for (i++; i < lines.Length; i++)
        {
            if (lines[i] == end)
            {
                ended = true;
                break;
            }

            data.Append(lines[i].Trim());
        }

        if (!ended || data.Length == 0)
        {
            throw new RgbDecodeException(RgbErrorKind.InvalidArmor, "armor: missing payload or -----END ...----- line");
        }

        var payload = Base85Decode(data.ToString());
        if (checksum is not null && !string.Equals(Convert.ToHexStringLower(SHA256.HashData(payload)), checksum, StringComparison.OrdinalIgnoreCase))
        {
            throw new RgbDecodeException(RgbErrorKind.InvalidArmor, "armor: Check-SHA256 does not match the payload");
        }

        return new ArmoredBlock(title, headers, payload);
    }

    /// <summary>Writes an armored block with the checksum header and 80-column base85 payload.</summary>
    public static string Write(string title, IEnumerable<ArmorHeader> headers, byte[] payload)
    {
        ArgumentNullException.ThrowIfNull(headers);
        ArgumentNullException.ThrowIfNull(payload);
        var sb = new StringBuilder();
        sb.Append("-----BEGIN ").Append(title).Append("-----\n");
        foreach (var h in headers)
        {
            sb.Append(h.Name).Append(": ").Append(h.Value);
            foreach (var (k, v) in h.Params)
            {
                sb.Append(";\n\t").Append(k).Append('=').Append(v);
            }

            sb.Append('\n');
        }

        sb.Append(ChecksumHeader).Append(": ").Append(Convert.ToHexStringLower(SHA256.HashData(payload))).Append("\n\n");
        var data = Base85Encode(payload);
        int pos = 0;
        while (data.Length - pos >= 80)
        {
            sb.Append(data, pos, 80).Append('\n');
            pos += 80;
        }

        sb.Append(data, pos, data.Length - pos).Append('\n');
        sb.Append("\n-----END ").Append(title).Append("-----\n");
        return sb.ToString();
    }

    /// <summary>Armors a kit as rgb-ops does (Id, Version, Schema;id=, Type-System, Alu-Lib headers, ids with their mnemonics).</summary>
    public static string WriteKit(Kit kit)
    {
        ArgumentNullException.ThrowIfNull(kit);
        var headers = new List<ArmorHeader>
        {
            new("Id", RgbIds.KitIdString(RgbIds.KitId(kit)), []),
            new("Version", kit.Version.ToString(System.Globalization.CultureInfo.InvariantCulture), []),
        };
        headers.AddRange(kit.Schemata.Select(s => new ArmorHeader("Schema", s.Name, [("id", RgbIds.SchemaIdString(RgbIds.SchemaId(s))["rgb:sch:".Length..])])));
        headers.Add(new("Type-System", RgbIds.TypeSystemIdString(RgbIds.TypeSystemId(kit.Types)), []));
        headers.AddRange(kit.Scripts.Select(l => new ArmorHeader("Alu-Lib", RgbIds.LibIdString(RgbIds.LibId(l)), [])));
        return Write(KitTitle, headers, RgbBinary.EncodeKit(kit));
    }

    /// <summary>Reads an armored kit, checking its Id header against the recomputed kit id.</summary>
    public static Kit ReadKit(string text)
    {
        var block = Parse(text);
        if (block.Title != KitTitle)
        {
            throw new RgbDecodeException(RgbErrorKind.InvalidArmor, $"armor: expected {KitTitle}, found {block.Title}");
        }

        var kit = RgbBinary.DecodeKit(block.Payload);
        var id = block.Headers.FirstOrDefault(h => h.Name == "Id") ?? throw new RgbDecodeException(RgbErrorKind.InvalidArmor, "armor: missing Id header");
        CheckId(id, Baid64.KitHri, RgbIds.KitId(kit), RgbIds.KitIdString, "kit");

        return kit;
    }

    /// <summary>
    /// Armors a consignment with the headers rgb-ops writes (<c>StrictArmor for Consignment</c>): Id (the
    /// <see cref="RgbIds.ConsignmentId"/>, <c>rgb:csg:...#word-word-word</c>), Version, Type (contract/transfer),
    /// Contract, Schema and, when there are terminals, Terminal (their bundle ids).
    /// </summary>
    public static string WriteConsignment(Consignment c)
    {
        ArgumentNullException.ThrowIfNull(c);
        var headers = new List<ArmorHeader>
        {
            new("Id", RgbIds.ConsignmentIdString(RgbIds.ConsignmentId(c)), []),
            new("Version", c.Version.ToString(System.Globalization.CultureInfo.InvariantCulture), []),
            new("Type", c.Transfer ? "transfer" : "contract", []),
            new("Contract", RgbIds.ContractIdString(RgbIds.OpId(c.Genesis)), []),
            new("Schema", RgbIds.SchemaIdString(RgbIds.SchemaId(c.Schema)), []),
        };
        if (c.Terminals.Count > 0)
        {
            headers.Add(new("Terminal", TerminalHeader(c), []));
        }

        return Write(ConsignmentTitle, headers, RgbBinary.Encode(c));
    }

    private static string TerminalHeader(Consignment c) => string.Join(", ", c.Terminals.Select(t => t.BundleId.ToHex()));

    /// <summary>
    /// Reads an armored consignment: the checksum is verified, and every header rgb-ops writes that is present
    /// must describe the payload — Id (recomputed consignment id, mnemonic included), Version, Type, Contract,
    /// Schema and Terminal. A mismatch is a decode error naming the header.
    /// </summary>
    public static Consignment ReadConsignment(string text)
    {
        var block = Parse(text);
        if (block.Title != ConsignmentTitle)
        {
            throw new RgbDecodeException(RgbErrorKind.InvalidArmor, $"armor: expected {ConsignmentTitle}, found {block.Title}");
        }

        var c = RgbBinary.DecodeConsignment(block.Payload);
        foreach (var h in block.Headers)
        {
            switch (h.Name)
            {
                case "Id":
                    CheckId(h, Baid64.ConsignmentHri, RgbIds.ConsignmentId(c), RgbIds.ConsignmentIdString, "consignment");
                    break;
                case "Version":
                    if (h.Value != c.Version.ToString(System.Globalization.CultureInfo.InvariantCulture))
                    {
                        throw new RgbDecodeException(RgbErrorKind.InvalidArmor, $"armor: Version {h.Value} does not match the consignment (version {c.Version})");
                    }

                    break;
                case "Type":
                    if (h.Value != (c.Transfer ? "transfer" : "contract"))
                    {
                        throw new RgbDecodeException(RgbErrorKind.InvalidArmor, $"armor: Type {h.Value} does not match the consignment ({(c.Transfer ? "transfer" : "contract")})");
                    }

                    break;
                case "Contract":
                    CheckId(h, Baid64.ContractHri, RgbIds.OpId(c.Genesis), id => RgbIds.ContractIdString(id), "consignment");
                    break;
                case "Schema":
                    CheckId(h, Baid64.SchemaHri, RgbIds.SchemaId(c.Schema), RgbIds.SchemaIdString, "consignment");
                    break;
                case "Terminal":
                    if (!h.Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal)
                        .SequenceEqual(c.Terminals.Select(t => t.BundleId.ToHex()).Order(StringComparer.Ordinal)))
                    {
                        throw new RgbDecodeException(RgbErrorKind.InvalidArmor, $"armor: Terminal {h.Value} does not match the consignment's terminals ({TerminalHeader(c)})");
                    }

                    break;
                default:
                    break;
            }
        }

        return c;
    }

    private static void CheckId(ArmorHeader h, string hri, Bytes32 expected, Func<Bytes32, string> format, string what)
    {
        Bytes32 id;
        try
        {
            id = Baid64.Decode(hri, h.Value);
        }
        catch (RgbDecodeException e)
        {
            throw new RgbDecodeException(RgbErrorKind.InvalidArmor, $"armor: {h.Name}: {e.Message}");
        }

        if (id != expected)
        {
            throw new RgbDecodeException(RgbErrorKind.InvalidArmor, $"armor: {h.Name} {h.Value} does not match the {what} ({format(expected)})");
        }
    }

    /// <summary>RFC 1924 base85 (the base85 crate): 4-byte big-endian groups as 5 digits; a final partial group of n bytes as n+1 digits.</summary>
    public static string Base85Encode(ReadOnlySpan<byte> data)
    {
        var sb = new StringBuilder((data.Length + 3) / 4 * 5);
        Span<char> digits = stackalloc char[5];
        for (int i = 0; i < data.Length; i += 4)
        {
            int n = Math.Min(4, data.Length - i);
            uint v = 0;
            for (int j = 0; j < 4; j++)
            {
                v = (v << 8) | (j < n ? data[i + j] : 0u);
            }

            for (int j = 4; j >= 0; j--)
            {
                digits[j] = Alphabet[(int)(v % 85)];
                v /= 85;
            }

            sb.Append(digits[..(n + 1)]);
        }

        return sb.ToString();
    }

    public static byte[] Base85Decode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length % 5 == 1)
        {
            throw new RgbDecodeException(RgbErrorKind.InvalidArmor, "armor: invalid base85 length");
        }

        var output = new List<byte>(text.Length * 4 / 5);
        for (int i = 0; i < text.Length; i += 5)
        {
            int n = Math.Min(5, text.Length - i);
            ulong v = 0;
            for (int j = 0; j < 5; j++)
            {
                int d = j < n ? Alphabet.IndexOf(text[i + j], StringComparison.Ordinal) : 84;
                if (d < 0)
                {
                    throw new RgbDecodeException(RgbErrorKind.InvalidArmor, $"armor: invalid base85 character '{text[i + j]}'");
                }

                v = (v * 85) + (ulong)d;
            }

            if (v > uint.MaxValue)
            {
                throw new RgbDecodeException(RgbErrorKind.InvalidArmor, "armor: base85 group overflows 32 bits");
            }

            for (int j = 0; j < n - 1; j++)
            {
                output.Add((byte)(v >> (24 - (8 * j))));
            }
        }

        return [.. output];
    }
}
