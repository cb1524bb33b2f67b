using System.Buffers.Binary;
using System.Text;

namespace OPSource.Chain.Sources.Zmq;

/// <summary>
/// A peer broke the ZeroMQ Message Transport Protocol (RFC 23/ZMTP 3.0) or a limit of ours: a bad greeting, a
/// reserved flag bit, an oversize frame, a wrong socket type, an ERROR command. The message names the endpoint
/// and the problem; the subscriber drops the connection and reconnects with backoff.
/// </summary>
public sealed class ZmtpProtocolException : IOException
{
    /// <summary>Creates the exception.</summary>
    public ZmtpProtocolException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public ZmtpProtocolException()
    {
    }

    /// <summary>Creates the exception.</summary>
    public ZmtpProtocolException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>One ZMTP frame: a message part or a command.</summary>
/// <param name="Body">The frame body.</param>
/// <param name="More">Another frame of the same message follows (RFC 23: flags bit 0).</param>
/// <param name="IsCommand">A command frame (RFC 23: flags bit 2).</param>
internal readonly record struct ZmtpFrame(byte[] Body, bool More, bool IsCommand);

/// <summary>
/// The wire format of RFC 23/ZMTP 3.0 for a client with the NULL security mechanism: the 64-byte greeting, frames
/// (flags, 1- or 8-byte size, body), and the READY/ERROR commands. No I/O policy here: the subscriber owns the socket.
/// </summary>
internal static class Zmtp
{
    /// <summary>RFC 23 "greeting": signature (10) + version (2) + mechanism (20) + as-server (1) + filler (31).</summary>
    public const int GreetingLength = 64;

    private const byte FlagMore = 0x01;
    private const byte FlagLong = 0x02;
    private const byte FlagCommand = 0x04;
    private const byte ReservedFlags = 0xF8; // RFC 23: bits 7-3 "reserved ... SHALL be zero"

    /// <summary>Our greeting: ZMTP 3.0, mechanism NULL, as-server 0 (we are the connecting client).</summary>
    public static byte[] CreateGreeting()
    {
        var g = new byte[GreetingLength];
        g[0] = 0xFF;   // signature = %xFF padding %x7F
        g[9] = 0x7F;
        g[10] = 3;     // version-major
        g[11] = 0;     // version-minor: 3.0 (the PUB then expects SUBSCRIBE as a message, RFC 29)
        "NULL"u8.CopyTo(g.AsSpan(12));
        return g;
    }

    /// <summary>Checks the peer's greeting (RFC 23 "The Greeting"); throws <see cref="ZmtpProtocolException"/> naming the problem.</summary>
    public static void CheckGreeting(ReadOnlySpan<byte> greeting, string endpoint)
    {
        CheckSignature(greeting, endpoint);
        if (greeting.Length != GreetingLength)
        {
            throw new ZmtpProtocolException($"zmq {endpoint}: greeting is {greeting.Length} bytes, expected {GreetingLength}");
        }

        var mechanism = greeting.Slice(12, 20);
        var end = mechanism.IndexOf((byte)0);
        var name = end < 0 ? mechanism : mechanism[..end];
        if (!name.SequenceEqual("NULL"u8) || (end >= 0 && mechanism[end..].ContainsAnyExcept((byte)0)))
        {
            throw new ZmtpProtocolException($"zmq {endpoint}: peer asks for security mechanism '{Printable(name)}', only NULL is supported");
        }

        if (greeting[32] > 1)
        {
            throw new ZmtpProtocolException($"zmq {endpoint}: greeting as-server byte is {greeting[32]}, expected 0 or 1");
        }
    }

    /// <summary>Checks the first 11 bytes of a greeting: signature and major version (a ZMTP 1.0/2.0 peer stops there).</summary>
    public static void CheckSignature(ReadOnlySpan<byte> greeting, string endpoint)
    {
        if (greeting.Length < 11)
        {
            throw new ZmtpProtocolException($"zmq {endpoint}: greeting is {greeting.Length} bytes, expected {GreetingLength}");
        }

        if (greeting[0] != 0xFF || greeting[9] != 0x7F)
        {
            throw new ZmtpProtocolException($"zmq {endpoint}: not a ZMTP peer (greeting starts {Convert.ToHexString(greeting[..10])})");
        }

        if (greeting[10] < 3)
        {
            throw new ZmtpProtocolException($"zmq {endpoint}: peer speaks ZMTP major version {greeting[10]}, 3 or later is needed");
        }
    }

    /// <summary>Reads one frame; <paramref name="maxBody"/> bounds the body (checked before anything is allocated).</summary>
    public static async ValueTask<ZmtpFrame> ReadFrameAsync(Stream stream, long maxBody, string endpoint, CancellationToken cancellationToken)
    {
        var header = new byte[8];
        await stream.ReadExactlyAsync(header.AsMemory(0, 1), cancellationToken).ConfigureAwait(false);
        var flags = header[0];
        if ((flags & ReservedFlags) != 0)
        {
            throw new ZmtpProtocolException($"zmq {endpoint}: frame flags 0x{flags:x2} set reserved bits");
        }

        var command = (flags & FlagCommand) != 0;
        var more = (flags & FlagMore) != 0;
        if (command && more)
        {
            throw new ZmtpProtocolException($"zmq {endpoint}: a command frame has the MORE flag");
        }

        ulong size;
        if ((flags & FlagLong) != 0)
        {
            await stream.ReadExactlyAsync(header.AsMemory(0, 8), cancellationToken).ConfigureAwait(false);
            size = BinaryPrimitives.ReadUInt64BigEndian(header); // RFC 23: "8 octets in network byte order"
        }
        else
        {
            await stream.ReadExactlyAsync(header.AsMemory(0, 1), cancellationToken).ConfigureAwait(false);
            size = header[0];
        }

        if (size > (ulong)maxBody)
        {
            throw new ZmtpProtocolException($"zmq {endpoint}: {(command ? "command" : "frame")} of {size} bytes is over the {maxBody}-byte limit");
        }

        var body = size == 0 ? [] : new byte[(int)size];
        await stream.ReadExactlyAsync(body, cancellationToken).ConfigureAwait(false);
        return new ZmtpFrame(body, more, command);
    }

    /// <summary>Encodes one frame (short form up to 255 bytes, long form above).</summary>
    public static byte[] EncodeFrame(ReadOnlySpan<byte> body, bool more, bool command)
    {
        var flags = (byte)((more ? FlagMore : 0) | (command ? FlagCommand : 0));
        if (body.Length <= byte.MaxValue)
        {
            var frame = new byte[2 + body.Length];
            frame[0] = flags;
            frame[1] = (byte)body.Length;
            body.CopyTo(frame.AsSpan(2));
            return frame;
        }

        var longFrame = new byte[9 + body.Length];
        longFrame[0] = (byte)(flags | FlagLong);
        BinaryPrimitives.WriteUInt64BigEndian(longFrame.AsSpan(1), (ulong)body.Length);
        body.CopyTo(longFrame.AsSpan(9));
        return longFrame;
    }

    /// <summary>A command frame: name length, name, data (RFC 23 "command-body").</summary>
    public static byte[] EncodeCommand(string name, ReadOnlySpan<byte> data)
    {
        var nameBytes = Encoding.ASCII.GetBytes(name);
        var body = new byte[1 + nameBytes.Length + data.Length];
        body[0] = (byte)nameBytes.Length;
        nameBytes.CopyTo(body, 1);
        data.CopyTo(body.AsSpan(1 + nameBytes.Length));
        return EncodeFrame(body, more: false, command: true);
    }

    /// <summary>Our READY command: the single property <c>Socket-Type: SUB</c> (RFC 23 "The NULL Security Mechanism").</summary>
    public static byte[] EncodeReady(string socketType)
    {
        var name = "Socket-Type"u8;
        var value = Encoding.ASCII.GetBytes(socketType);
        var data = new byte[1 + name.Length + 4 + value.Length];
        data[0] = (byte)name.Length;
        name.CopyTo(data.AsSpan(1));
        BinaryPrimitives.WriteUInt32BigEndian(data.AsSpan(1 + name.Length), (uint)value.Length);
        value.CopyTo(data, 1 + name.Length + 4);
        return EncodeCommand("READY", data);
    }

    /// <summary>Splits a command body into its name and data.</summary>
    public static (string Name, ReadOnlyMemory<byte> Data) ParseCommand(byte[] body, string endpoint)
    {
        if (body.Length == 0 || body[0] == 0 || body[0] > body.Length - 1)
        {
            throw new ZmtpProtocolException($"zmq {endpoint}: malformed command (name length {(body.Length == 0 ? 0 : body[0])}, body {body.Length} bytes)");
        }

        var nameLength = body[0];
        return (Encoding.ASCII.GetString(body, 1, nameLength), body.AsMemory(1 + nameLength));
    }

    /// <summary>The properties of a READY command (RFC 23 "metadata"): names are case-insensitive.</summary>
    public static Dictionary<string, byte[]> ParseMetadata(ReadOnlySpan<byte> data, string endpoint)
    {
        var properties = new Dictionary<string, byte[]>(StringComparer.OrdinalIgnoreCase);
        while (!data.IsEmpty)
        {
            var nameLength = data[0];
            if (nameLength == 0 || data.Length < 1 + nameLength + 4)
            {
                throw new ZmtpProtocolException($"zmq {endpoint}: malformed READY metadata");
            }

            var name = Encoding.ASCII.GetString(data.Slice(1, nameLength));
            var valueLength = BinaryPrimitives.ReadUInt32BigEndian(data.Slice(1 + nameLength, 4));
            var rest = data[(1 + nameLength + 4)..];
            if (valueLength > (uint)rest.Length)
            {
                throw new ZmtpProtocolException($"zmq {endpoint}: READY property '{name}' claims {valueLength} bytes, {rest.Length} remain");
            }

            properties[name] = rest[..(int)valueLength].ToArray();
            data = rest[(int)valueLength..];
        }

        return properties;
    }

    /// <summary>The reason of an ERROR command (RFC 23: "error-reason = OCTET 0*255VCHAR").</summary>
    public static string ParseErrorReason(ReadOnlySpan<byte> data) =>
        data.IsEmpty ? "" : Printable(data.Slice(1, Math.Min(data[0], data.Length - 1)));

    /// <summary>A SUBSCRIBE message for a ZMTP 3.0 PUB: one frame, byte 1 then the topic prefix (RFC 29/PUBSUB).</summary>
    public static byte[] EncodeSubscribe(string topic)
    {
        var prefix = Encoding.ASCII.GetBytes(topic);
        var body = new byte[1 + prefix.Length];
        body[0] = 1;
        prefix.CopyTo(body, 1);
        return EncodeFrame(body, more: false, command: false);
    }

    /// <summary>ASCII with anything unprintable as '?', for error messages.</summary>
    public static string Printable(ReadOnlySpan<byte> bytes)
    {
        var chars = new char[Math.Min(bytes.Length, 64)];
        for (var i = 0; i < chars.Length; i++)
        {
            chars[i] = bytes[i] is >= 0x20 and < 0x7F ? (char)bytes[i] : '?';
        }

        return new string(chars);
    }
}
