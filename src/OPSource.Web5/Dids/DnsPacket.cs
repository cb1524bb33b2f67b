using System.Buffers.Binary;
using System.Text;

namespace OPSource.Web5.Dids;

/// <summary>A DNS resource record (RFC 1035 section 4.1.3). TXT data is its character-strings.</summary>
/// <param name="Name">Owner name, dot-terminated (<c>_k0._did.</c>).</param>
/// <param name="Type">RR type (16 TXT, 2 NS, ...).</param>
/// <param name="Ttl">TTL in seconds.</param>
/// <param name="Txt">For TXT: the character-strings (each at most 255 bytes); else empty.</param>
/// <param name="Data">For other types: the raw RDATA (NS: the target name as text).</param>
public sealed record DnsRecord(string Name, ushort Type, uint Ttl, IReadOnlyList<byte[]> Txt, string? Data = null)
{
    /// <summary>TXT.</summary>
    public const ushort TypeTxt = 16;

    /// <summary>NS.</summary>
    public const ushort TypeNs = 2;

    /// <summary>The TXT strings joined (did:dht splits long values over several strings).</summary>
    public string TxtText => string.Concat(Txt.Select(t => System.Text.Encoding.UTF8.GetString(t)));

    /// <summary>A TXT record; strings longer than 255 bytes are split into 255-byte chunks.</summary>
    public static DnsRecord TxtRecord(string name, uint ttl, string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var bytes = System.Text.Encoding.UTF8.GetBytes(text);
        var chunks = new List<byte[]>();
        for (var i = 0; i < bytes.Length || i == 0; i += 255)
        {
            chunks.Add(bytes.AsSpan(i, Math.Min(255, bytes.Length - i)).ToArray());
            if (bytes.Length == 0)
            {
                break;
            }
        }

        return new DnsRecord(name, TypeTxt, ttl, chunks);
    }
}

/// <summary>
/// The subset of the DNS wire format did:dht uses (RFC 1035 section 4): a response with answers only.
/// Encoding writes names uncompressed (as @dnsquery/dns-packet does); decoding follows compression
/// pointers (RFC 1035 section 4.1.4).
/// </summary>
public static class DnsPacket
{
    private const ushort ClassIn = 1;

    /// <summary>Encodes a response (QR=1, AA=1, id 0) carrying <paramref name="answers"/>.</summary>
    public static byte[] Encode(IReadOnlyList<DnsRecord> answers)
    {
        ArgumentNullException.ThrowIfNull(answers);
        var output = new List<byte>(512);
        Span<byte> header = stackalloc byte[12];
        header.Clear();
        // Flags: QR (bit 15) + AA (bit 10), as DID DHT's "authoritative answer" response packets.
        BinaryPrimitives.WriteUInt16BigEndian(header[2..], 0x8400);
        BinaryPrimitives.WriteUInt16BigEndian(header[6..], checked((ushort)answers.Count));
        output.AddRange(header.ToArray());
        Span<byte> fixedPart = stackalloc byte[10];
        foreach (var rr in answers)
        {
            WriteName(output, rr.Name);
            var rdata = new List<byte>();
            if (rr.Type == DnsRecord.TypeTxt)
            {
                foreach (var s in rr.Txt)
                {
                    if (s.Length > 255)
                    {
                        throw new ArgumentException("dns: a TXT character-string is at most 255 bytes", nameof(answers));
                    }

                    rdata.Add((byte)s.Length);
                    rdata.AddRange(s);
                }
            }
            else if (rr.Type == DnsRecord.TypeNs)
            {
                WriteName(rdata, rr.Data ?? throw new ArgumentException("dns: NS record without a target", nameof(answers)));
            }
            else
            {
                throw new ArgumentException($"dns: cannot encode RR type {rr.Type}", nameof(answers));
            }

            BinaryPrimitives.WriteUInt16BigEndian(fixedPart, rr.Type);
            BinaryPrimitives.WriteUInt16BigEndian(fixedPart[2..], ClassIn);
            BinaryPrimitives.WriteUInt32BigEndian(fixedPart[4..], rr.Ttl);
            BinaryPrimitives.WriteUInt16BigEndian(fixedPart[8..], checked((ushort)rdata.Count));
            output.AddRange(fixedPart.ToArray());
            output.AddRange(rdata);
        }

        return [.. output];
    }

    private static void WriteName(List<byte> output, string name)
    {
        foreach (var label in name.TrimEnd('.').Split('.', StringSplitOptions.None))
        {
            if (label.Length == 0)
            {
                continue;
            }

            var bytes = System.Text.Encoding.UTF8.GetBytes(label);
            if (bytes.Length > 63)
            {
                throw new ArgumentException($"dns: label '{label}' is longer than 63 bytes", nameof(name));
            }

            output.Add((byte)bytes.Length);
            output.AddRange(bytes);
        }

        output.Add(0);
    }

    /// <summary>Decodes a packet's answer section (questions are skipped); throws <see cref="FormatException"/>.</summary>
    public static IReadOnlyList<DnsRecord> DecodeAnswers(ReadOnlySpan<byte> packet)
    {
        if (packet.Length < 12)
        {
            throw Web5FormatError.Exception(Web5FormatErrorKind.InvalidDnsPacket, "dns: packet shorter than its 12-byte header");
        }

        var qd = BinaryPrimitives.ReadUInt16BigEndian(packet[4..]);
        var an = BinaryPrimitives.ReadUInt16BigEndian(packet[6..]);
        var pos = 12;
        for (var i = 0; i < qd; i++)
        {
            ReadName(packet, ref pos);
            pos += 4;
        }

        var records = new List<DnsRecord>(an);
        for (var i = 0; i < an; i++)
        {
            var name = ReadName(packet, ref pos);
            if (pos + 10 > packet.Length)
            {
                throw Web5FormatError.Exception(Web5FormatErrorKind.InvalidDnsPacket, "dns: truncated resource record");
            }

            var type = BinaryPrimitives.ReadUInt16BigEndian(packet[pos..]);
            var ttl = BinaryPrimitives.ReadUInt32BigEndian(packet[(pos + 4)..]);
            var rdLength = BinaryPrimitives.ReadUInt16BigEndian(packet[(pos + 8)..]);
            pos += 10;
            if (pos + rdLength > packet.Length)
            {
                throw Web5FormatError.Exception(Web5FormatErrorKind.InvalidDnsPacket, "dns: RDATA runs past the packet");
            }

            var rdata = packet.Slice(pos, rdLength);
            if (type == DnsRecord.TypeTxt)
            {
                var strings = new List<byte[]>();
                var p = 0;
                while (p < rdata.Length)
                {
                    var len = rdata[p++];
                    if (p + len > rdata.Length)
                    {
                        throw Web5FormatError.Exception(Web5FormatErrorKind.InvalidDnsPacket, "dns: TXT character-string runs past its RDATA");
                    }

                    strings.Add(rdata.Slice(p, len).ToArray());
                    p += len;
                }

                records.Add(new DnsRecord(name, type, ttl, strings));
            }
            else if (type == DnsRecord.TypeNs)
            {
                var p = pos;
                records.Add(new DnsRecord(name, type, ttl, [], ReadName(packet, ref p)));
            }
            else
            {
                records.Add(new DnsRecord(name, type, ttl, [], Convert.ToHexStringLower(rdata)));
            }

            pos += rdLength;
        }

        return records;
    }

    private static string ReadName(ReadOnlySpan<byte> packet, ref int pos)
    {
        var sb = new StringBuilder();
        var p = pos;
        var jumped = false;
        var hops = 0;
        while (true)
        {
            if (p >= packet.Length)
            {
                throw Web5FormatError.Exception(Web5FormatErrorKind.InvalidDnsPacket, "dns: name runs past the packet");
            }

            var len = packet[p];
            if ((len & 0xc0) == 0xc0)
            {
                if (p + 1 >= packet.Length || ++hops > 32)
                {
                    throw Web5FormatError.Exception(Web5FormatErrorKind.InvalidDnsPacket, "dns: bad compression pointer");
                }

                var target = ((len & 0x3f) << 8) | packet[p + 1];
                if (!jumped)
                {
                    pos = p + 2;
                }

                jumped = true;
                p = target;
                continue;
            }

            if ((len & 0xc0) != 0)
            {
                throw Web5FormatError.Exception(Web5FormatErrorKind.InvalidDnsPacket, "dns: unsupported label type");
            }

            p++;
            if (len == 0)
            {
                break;
            }

            if (p + len > packet.Length)
            {
                throw Web5FormatError.Exception(Web5FormatErrorKind.InvalidDnsPacket, "dns: label runs past the packet");
            }

            sb.Append(System.Text.Encoding.UTF8.GetString(packet.Slice(p, len))).Append('.');
            p += len;
        }

        if (!jumped)
        {
            pos = p;
        }

        return sb.Length == 0 ? "." : sb.ToString();
    }
}

/// <summary>
/// BEP44 mutable items as pkarr relays carry them (https://www.bittorrent.org/beps/bep_0044.html;
/// pkarr relay design): the Ed25519 signature covers the bencoded <c>3:seqi{seq}e1:v{len}:{v}</c>;
/// the relay body is <c>sig(64) || seq (8 bytes, big-endian) || v</c>.
/// </summary>
public sealed record Bep44Message(byte[] PublicKey, long Seq, byte[] Signature, byte[] Value)
{
    /// <summary>BEP44: v is at most 1000 bytes.</summary>
    public const int MaxValueBytes = 1000;

    /// <summary>The bytes the signature covers.</summary>
    public static byte[] SignableBytes(long seq, ReadOnlySpan<byte> value)
    {
        var prefix = System.Text.Encoding.ASCII.GetBytes(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"3:seqi{seq}e1:v{value.Length}:"));
        var result = new byte[prefix.Length + value.Length];
        prefix.CopyTo(result, 0);
        value.CopyTo(result.AsSpan(prefix.Length));
        return result;
    }

    /// <summary>The relay body.</summary>
    public byte[] ToRelayBody()
    {
        var body = new byte[72 + Value.Length];
        Signature.CopyTo(body, 0);
        BinaryPrimitives.WriteInt64BigEndian(body.AsSpan(64), Seq);
        Value.CopyTo(body, 72);
        return body;
    }

    /// <summary>Parses a relay body for <paramref name="publicKey"/> (signature not checked here).</summary>
    public static Bep44Message FromRelayBody(byte[] publicKey, ReadOnlySpan<byte> body)
    {
        if (body.Length < 72)
        {
            throw Web5FormatError.Exception(Web5FormatErrorKind.InvalidBep44, $"bep44: relay body must be at least 72 bytes, got {body.Length}");
        }

        if (body.Length > 72 + MaxValueBytes)
        {
            throw Web5FormatError.Exception(Web5FormatErrorKind.InvalidBep44, $"bep44: value exceeds {MaxValueBytes} bytes");
        }

        return new Bep44Message(publicKey, BinaryPrimitives.ReadInt64BigEndian(body[64..]), body[..64].ToArray(), body[72..].ToArray());
    }

    /// <summary>Verifies the Ed25519 signature with <see cref="PublicKey"/>.</summary>
    public bool Verify()
    {
        if (PublicKey.Length != 32 || Signature.Length != 64 || Value.Length > MaxValueBytes)
        {
            return false;
        }

        if (!NSec.Cryptography.PublicKey.TryImport(NSec.Cryptography.SignatureAlgorithm.Ed25519, PublicKey, NSec.Cryptography.KeyBlobFormat.RawPublicKey, out var key))
        {
            return false;
        }

        return NSec.Cryptography.SignatureAlgorithm.Ed25519.Verify(key!, SignableBytes(Seq, Value), Signature);
    }
}
