using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace OPSource.Web5.Handshake;

/// <summary>
/// One record of a Handshake name's resource (hsd lib/dns/resource.js): DS, NS, GLUE4, GLUE6, SYNTH4,
/// SYNTH6 or TXT. Only the members of its type are set.
/// </summary>
/// <param name="Type">The record type name as hsd prints it.</param>
/// <param name="Ns">NS/GLUE: the name server (fully qualified).</param>
/// <param name="Address">GLUE/SYNTH: the address.</param>
/// <param name="Txt">TXT: the strings.</param>
/// <param name="Ds">DS: key tag, algorithm, digest type, digest.</param>
public sealed record HnsRecord(string Type, string? Ns = null, IPAddress? Address = null, IReadOnlyList<byte[]>? Txt = null, (ushort KeyTag, byte Algorithm, byte DigestType, byte[] Digest)? Ds = null)
{
    /// <summary>TXT strings as text (UTF-8).</summary>
    public IReadOnlyList<string> TxtText => Txt?.Select(t => System.Text.Encoding.UTF8.GetString(t)).ToList() ?? [];

    /// <summary>The record as hsd's getnameresource prints it.</summary>
    public JsonObject ToJson()
    {
        var o = new JsonObject { ["type"] = Type };
        switch (Type)
        {
            case "DS":
                o["keyTag"] = Ds!.Value.KeyTag;
                o["algorithm"] = Ds.Value.Algorithm;
                o["digestType"] = Ds.Value.DigestType;
                o["digest"] = Convert.ToHexStringLower(Ds.Value.Digest);
                break;
            case "NS":
                o["ns"] = Ns;
                break;
            case "GLUE4" or "GLUE6":
                o["ns"] = Ns;
                o["address"] = Address!.ToString();
                break;
            case "SYNTH4" or "SYNTH6":
                o["address"] = Address!.ToString();
                break;
            case "TXT":
                o["txt"] = new JsonArray([.. TxtText.Select(t => (JsonNode)JsonValue.Create(t))]);
                break;
        }

        return o;
    }
}

/// <summary>A name's resource: version 0 followed by typed records (hsd lib/dns/resource.js).</summary>
public static class HnsResource
{
    private static readonly string[] TypeNames = ["DS", "NS", "GLUE4", "GLUE6", "SYNTH4", "SYNTH6", "TXT"];

    /// <summary>
    /// Decodes resource bytes; an unknown record type ends the list (as hsd's Resource.read does).
    /// Names are DNS wire names whose compression pointers are offsets into the resource.
    /// Throws <see cref="FormatException"/> when the bytes are truncated or the version is not 0.
    /// </summary>
    public static IReadOnlyList<HnsRecord> Decode(ReadOnlySpan<byte> data)
    {
        var records = new List<HnsRecord>();
        if (data.Length == 0)
        {
            return records;
        }

        if (data[0] != 0)
        {
            throw Web5FormatError.Exception(Web5FormatErrorKind.InvalidHnsResource, $"hns resource: unknown serialization version {data[0]}");
        }

        var pos = 1;
        while (pos < data.Length)
        {
            var type = data[pos++];
            if (type >= TypeNames.Length)
            {
                break;
            }

            switch (type)
            {
                case 0: // DS: keyTag u16be, algorithm, digestType, u8 length + digest
                    Need(data, pos, 5);
                    var keyTag = BinaryPrimitives.ReadUInt16BigEndian(data[pos..]);
                    var algorithm = data[pos + 2];
                    var digestType = data[pos + 3];
                    var length = data[pos + 4];
                    pos += 5;
                    Need(data, pos, length);
                    records.Add(new HnsRecord("DS", Ds: (keyTag, algorithm, digestType, data.Slice(pos, length).ToArray())));
                    pos += length;
                    break;
                case 1:
                    records.Add(new HnsRecord("NS", Ns: ReadName(data, ref pos)));
                    break;
                case 2 or 3:
                    var ns = ReadName(data, ref pos);
                    records.Add(new HnsRecord(TypeNames[type], Ns: ns, Address: ReadAddress(data, ref pos, type == 2 ? 4 : 16)));
                    break;
                case 4 or 5:
                    records.Add(new HnsRecord(TypeNames[type], Address: ReadAddress(data, ref pos, type == 4 ? 4 : 16)));
                    break;
                default: // TXT: u8 count, then u8 length + bytes each
                    Need(data, pos, 1);
                    var count = data[pos++];
                    var strings = new List<byte[]>(count);
                    for (var i = 0; i < count; i++)
                    {
                        Need(data, pos, 1);
                        var n = data[pos++];
                        Need(data, pos, n);
                        strings.Add(data.Slice(pos, n).ToArray());
                        pos += n;
                    }

                    records.Add(new HnsRecord("TXT", Txt: strings));
                    break;
            }
        }

        return records;
    }

    /// <summary>The records as hsd's getnameresource JSON (<c>{"records": [...]}</c>).</summary>
    public static JsonObject ToJson(IReadOnlyList<HnsRecord> records) =>
        new() { ["records"] = new JsonArray([.. records.Select(r => (JsonNode)r.ToJson())]) };

    private static void Need(ReadOnlySpan<byte> data, int pos, int count)
    {
        if (pos + count > data.Length)
        {
            throw Web5FormatError.Exception(Web5FormatErrorKind.InvalidHnsResource, $"hns resource: truncated at byte {pos}");
        }
    }

    private static IPAddress ReadAddress(ReadOnlySpan<byte> data, ref int pos, int size)
    {
        Need(data, pos, size);
        var address = new IPAddress(data.Slice(pos, size));
        pos += size;
        return address;
    }

    // RFC 1035 4.1.4: labels, or a pointer (two top bits set) to an earlier offset; bns readName.
    private static string ReadName(ReadOnlySpan<byte> data, ref int pos)
    {
        var name = new StringBuilder();
        var cursor = pos;
        var jumped = false;
        var hops = 0;
        while (true)
        {
            Need(data, cursor, 1);
            var length = data[cursor];
            if ((length & 0xc0) == 0xc0)
            {
                Need(data, cursor, 2);
                var target = ((length & 0x3f) << 8) | data[cursor + 1];
                if (!jumped)
                {
                    pos = cursor + 2;
                    jumped = true;
                }

                if (++hops > 64 || target >= data.Length)
                {
                    throw Web5FormatError.Exception(Web5FormatErrorKind.InvalidHnsResource, "hns resource: bad name compression pointer");
                }

                cursor = target;
                continue;
            }

            if ((length & 0xc0) != 0)
            {
                throw Web5FormatError.Exception(Web5FormatErrorKind.InvalidHnsResource, "hns resource: bad label length");
            }

            cursor++;
            if (length == 0)
            {
                break;
            }

            Need(data, cursor, length);
            foreach (var b in data.Slice(cursor, length))
            {
                // bns escapes special and non-printable bytes as in zone files.
                if (b is (byte)'.' or (byte)'\\' or (byte)'"' or (byte)'(' or (byte)')' or (byte)';' or (byte)' ' or (byte)'@' or (byte)'$')
                {
                    name.Append('\\').Append((char)b);
                }
                else if (b is < 0x21 or > 0x7e)
                {
                    name.Append('\\').Append(b.ToString("D3", CultureInfo.InvariantCulture));
                }
                else
                {
                    name.Append((char)b);
                }
            }

            name.Append('.');
            if (name.Length > 255 * 4)
            {
                throw Web5FormatError.Exception(Web5FormatErrorKind.InvalidHnsResource, "hns resource: name too long");
            }

            cursor += length;
        }

        if (!jumped)
        {
            pos = cursor;
        }

        return name.Length == 0 ? "." : name.ToString();
    }
}

/// <summary>
/// A name's state as stored in the Urkel tree (hsd lib/covenants/namestate.js, NameState.write): the
/// name, its resource, the heights and the optional members a bit field announces.
/// </summary>
/// <param name="Name">The name.</param>
/// <param name="Resource">The raw resource.</param>
/// <param name="Height">The height the auction opened.</param>
/// <param name="Renewal">The last renewal height.</param>
/// <param name="Owner">The owning outpoint (txid hex, index), if any.</param>
/// <param name="Value">The second-highest bid (the price), in dollarydoos.</param>
/// <param name="Highest">The highest bid, in dollarydoos.</param>
/// <param name="Registered">Whether the name was registered.</param>
/// <param name="Expired">Whether it expired.</param>
/// <param name="Revoked">The height it was revoked at, or 0.</param>
/// <param name="Transfer">The height a transfer started, or 0.</param>
public sealed record HnsNameState(string Name, byte[] Resource, uint Height, uint Renewal, (string TxId, ulong Index)? Owner, ulong Value, ulong Highest, bool Registered, bool Expired, uint Revoked, uint Transfer)
{
    /// <summary>Decodes the tree value; throws <see cref="FormatException"/> when it is truncated or trailing bytes remain.</summary>
    public static HnsNameState Decode(ReadOnlySpan<byte> data)
    {
        var pos = 0;
        byte U8(ReadOnlySpan<byte> d)
        {
            Check(d, pos, 1);
            return d[pos++];
        }

        ReadOnlySpan<byte> Bytes(ReadOnlySpan<byte> d, int n)
        {
            Check(d, pos, n);
            var slice = d.Slice(pos, n);
            pos += n;
            return slice;
        }

        var name = System.Text.Encoding.ASCII.GetString(Bytes(data, U8(data)));
        var resource = Bytes(data, BinaryPrimitives.ReadUInt16LittleEndian(Bytes(data, 2))).ToArray();
        var height = BinaryPrimitives.ReadUInt32LittleEndian(Bytes(data, 4));
        var renewal = BinaryPrimitives.ReadUInt32LittleEndian(Bytes(data, 4));
        var field = BinaryPrimitives.ReadUInt16LittleEndian(Bytes(data, 2));
        (string, ulong)? owner = null;
        if ((field & 1) != 0)
        {
            // hsd prints hashes in their stored byte order (bufio readHash, toString('hex')).
            var hash = Convert.ToHexStringLower(Bytes(data, 32));
            owner = (hash, VarInt(data, ref pos));
        }

        var value = (field & 2) != 0 ? VarInt(data, ref pos) : 0;
        var highest = (field & 4) != 0 ? VarInt(data, ref pos) : 0;
        var transfer = (field & 8) != 0 ? BinaryPrimitives.ReadUInt32LittleEndian(Bytes(data, 4)) : 0;
        var revoked = (field & 16) != 0 ? BinaryPrimitives.ReadUInt32LittleEndian(Bytes(data, 4)) : 0;
        if ((field & 32) != 0)
        {
            Bytes(data, 4); // claimed height
        }

        if ((field & 64) != 0)
        {
            VarInt(data, ref pos); // renewals
        }

        if (pos != data.Length)
        {
            throw Web5FormatError.Exception(Web5FormatErrorKind.InvalidHnsResource, $"hns name state: {data.Length - pos} trailing bytes");
        }

        return new HnsNameState(name, resource, height, renewal, owner, value, highest, (field & 128) != 0, (field & 256) != 0, revoked, transfer);
    }

    private static void Check(ReadOnlySpan<byte> data, int pos, int count)
    {
        if (pos + count > data.Length)
        {
            throw Web5FormatError.Exception(Web5FormatErrorKind.InvalidHnsResource, $"hns name state: truncated at byte {pos}");
        }
    }

    // Bitcoin CompactSize (bufio readVarint).
    private static ulong VarInt(ReadOnlySpan<byte> data, ref int pos)
    {
        Check(data, pos, 1);
        var first = data[pos++];
        int size = first switch { 0xfd => 2, 0xfe => 4, 0xff => 8, _ => 0 };
        if (size == 0)
        {
            return first;
        }

        Check(data, pos, size);
        var value = size switch
        {
            2 => BinaryPrimitives.ReadUInt16LittleEndian(data[pos..]),
            4 => BinaryPrimitives.ReadUInt32LittleEndian(data[pos..]),
            _ => BinaryPrimitives.ReadUInt64LittleEndian(data[pos..]),
        };
        pos += size;
        return value;
    }
}
