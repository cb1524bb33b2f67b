using OPSource.Bitcoin;
using OPSource.Bitcoin.Addresses;
using OPSource.Bitcoin.Scripts;
using OPSource.Bitcoin.Transactions;

namespace OPSource.Layers.Rsk.Peg;

/// <summary>
/// Peg-in instructions carried by a Bitcoin transaction to the federation, exactly as rskj reads them
/// (<c>co.rsk.peg.pegininstructions.PeginInstructionsProvider</c> and <c>PeginInstructionsVersion1</c>): one OP_RETURN
/// output whose first push starts with <c>RSKT</c> (52534b54), then the protocol version byte (1), the 20-byte RSK
/// destination address, and optionally a refund address as a type byte (1 = P2PKH, 2 = P2SH) and its 20-byte hash.
/// Version 1 payloads are therefore exactly 25 or 46 bytes.
/// </summary>
public sealed record PeginInstructions
{
    /// <summary>The <c>RSKT</c> prefix.</summary>
    public static ReadOnlySpan<byte> Prefix => "RSKT"u8;

    /// <summary>The only protocol version rskj defines.</summary>
    public const int Version1 = 1;

    private const byte P2pkhType = 1;
    private const byte P2shType = 2;

    /// <summary>Creates version-1 instructions.</summary>
    /// <exception cref="RskException">A refund address that is neither P2PKH nor P2SH (rskj cannot refund to segwit or taproot).</exception>
    public PeginInstructions(RskAddress destination, Address? refundAddress = null)
    {
        ArgumentNullException.ThrowIfNull(destination);
        if (refundAddress is not null and not P2pkhAddress and not P2shAddress)
        {
            throw new RskException(RskErrorKind.InvalidPegin, $"pegin: refund address {refundAddress} must be P2PKH or P2SH (rskj peg-in instructions v1 have no segwit type)");
        }

        Destination = destination;
        RefundAddress = refundAddress;
    }

    /// <summary>Protocol version (1).</summary>
    public int ProtocolVersion => Version1;

    /// <summary>RBTC receiver.</summary>
    public RskAddress Destination { get; }

    /// <summary>Where the federation refunds a rejected peg-in, or null (the sender).</summary>
    public Address? RefundAddress { get; }

    /// <summary>The OP_RETURN payload (25 or 46 bytes).</summary>
    public byte[] ToPayload()
    {
        var payload = new byte[RefundAddress is null ? 25 : 46];
        Prefix.CopyTo(payload);
        payload[4] = Version1;
        Destination.Bytes.CopyTo(payload.AsSpan(5));
        switch (RefundAddress)
        {
            case P2pkhAddress p2pkh:
                payload[25] = P2pkhType;
                p2pkh.PubKeyHash.CopyTo(payload.AsSpan(26));
                break;
            case P2shAddress p2sh:
                payload[25] = P2shType;
                p2sh.ScriptHash.CopyTo(payload.AsSpan(26));
                break;
        }

        return payload;
    }

    /// <summary>The output script: OP_RETURN followed by one push of the payload.</summary>
    public Script ToScript() => StandardScripts.NullData(ToPayload());

    /// <summary>
    /// Parses a payload as rskj does: at least 5 bytes to read the version; version 1 only; 25 or 46 bytes; refund
    /// type 1 or 2. The refund address is rendered on <paramref name="network"/>.
    /// </summary>
    public static PeginInstructions ParsePayload(ReadOnlySpan<byte> data, Network network)
    {
        ArgumentNullException.ThrowIfNull(network);
        if (data.Length < 5 || !data[..4].SequenceEqual(Prefix))
        {
            throw new RskException(RskErrorKind.InvalidPegin, $"pegin: payload must start with RSKT and a version byte (got {data.Length} bytes)");
        }

        if (data[4] != Version1)
        {
            throw new RskException(RskErrorKind.InvalidPegin, $"pegin: invalid protocol version {data[4]} (rskj knows only 1)");
        }

        if (data.Length != 25 && data.Length != 46)
        {
            throw new RskException(RskErrorKind.InvalidPegin, $"pegin: invalid data length {data.Length} for version 1 (expected 25 or 46 bytes)");
        }

        var destination = RskAddress.FromBytes(data[5..25]);
        if (data.Length == 25)
        {
            return new PeginInstructions(destination);
        }

        Address refund = data[25] switch
        {
            P2pkhType => new P2pkhAddress(data[26..46], network),
            P2shType => new P2shAddress(data[26..46], network),
            var t => throw new RskException(RskErrorKind.InvalidPegin, $"pegin: invalid refund address type {t} (1 = P2PKH, 2 = P2SH)"),
        };
        return new PeginInstructions(destination, refund);
    }

    /// <summary>
    /// The instructions of a Bitcoin transaction, or null when it has no RSKT OP_RETURN (rskj then treats it as a legacy
    /// peg-in to the sender's derived address). More than one RSKT output is refused, as rskj refuses it.
    /// </summary>
    public static PeginInstructions? FromTransaction(Transaction transaction, Network network)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        byte[]? found = null;
        var count = 0;
        foreach (var output in transaction.Outputs)
        {
            if (TryGetRsktPush(output.ScriptPubKey, out var data))
            {
                found = data;
                count++;
            }
        }

        return count switch
        {
            0 => null,
            1 => ParsePayload(found, network),
            _ => throw new RskException(RskErrorKind.InvalidPegin, $"pegin: only one OP_RETURN output for RSK is allowed, found {count}"),
        };
    }

    // rskj hasOpReturnForRsk: an OP_RETURN script whose second chunk carries data of at least 4 bytes starting with RSKT.
    private static bool TryGetRsktPush(Script script, out byte[] data)
    {
        data = [];
        var bytes = script.Span;
        if (bytes.Length == 0 || bytes[0] != (byte)OpcodeType.OP_RETURN)
        {
            return false;
        }

        var pc = 1;
        if (!Script.TryGetOp(bytes, ref pc, out var op, out var push) || op > OpcodeType.OP_PUSHDATA4 || push.Length < 4 || !push[..4].SequenceEqual(Prefix))
        {
            return false;
        }

        data = push.ToArray();
        return true;
    }
}
