using System.Numerics;

namespace OPSource.Layers.Rsk.Rpc;

/// <summary>A block tag for state queries.</summary>
public readonly record struct BlockTag
{
    private BlockTag(string text) => Text = text;

    /// <summary>The JSON-RPC form (<c>latest</c>, <c>pending</c>, <c>0x1b4</c>).</summary>
    public string Text { get; }

    /// <summary>The latest block.</summary>
    public static BlockTag Latest { get; } = new("latest");

    /// <summary>Pending state (includes the node's pool; what the next nonce is computed from).</summary>
    public static BlockTag Pending { get; } = new("pending");

    /// <summary>The earliest block.</summary>
    public static BlockTag Earliest { get; } = new("earliest");

    /// <summary>A block number.</summary>
    public static BlockTag Number(ulong number) => new("0x" + number.ToString("x", System.Globalization.CultureInfo.InvariantCulture));

    /// <inheritdoc />
    public override string ToString() => Text ?? "latest";
}

/// <summary>A call or transaction for <c>eth_call</c> / <c>eth_estimateGas</c>.</summary>
/// <param name="To">Contract (null: creation).</param>
/// <param name="Data">Call data.</param>
/// <param name="From">Sender, when it matters.</param>
/// <param name="Value">Value in wei.</param>
/// <param name="Gas">Gas limit, when given.</param>
/// <param name="GasPrice">Gas price, when given.</param>
public sealed record RskCallRequest(RskAddress? To, ReadOnlyMemory<byte> Data, RskAddress? From = null, BigInteger? Value = null, ulong? Gas = null, BigInteger? GasPrice = null);

/// <summary>A log entry.</summary>
/// <param name="Address">Emitting contract.</param>
/// <param name="Topics">Topics (32 bytes each).</param>
/// <param name="Data">Data.</param>
/// <param name="BlockNumber">Block number (null while pending).</param>
/// <param name="TransactionHash">Transaction hash.</param>
/// <param name="LogIndex">Index in the block.</param>
public sealed record RskLog(RskAddress Address, IReadOnlyList<byte[]> Topics, byte[] Data, ulong? BlockNumber, string? TransactionHash, ulong? LogIndex);

/// <summary>A transaction receipt.</summary>
/// <param name="TransactionHash">Hash.</param>
/// <param name="BlockNumber">Block number.</param>
/// <param name="Succeeded">status 1 (true) or 0 (reverted).</param>
/// <param name="GasUsed">Gas used.</param>
/// <param name="ContractAddress">Created contract, if any.</param>
/// <param name="From">Sender.</param>
/// <param name="To">Recipient.</param>
/// <param name="Logs">Logs.</param>
public sealed record RskReceipt(string TransactionHash, ulong BlockNumber, bool Succeeded, ulong GasUsed, RskAddress? ContractAddress, RskAddress? From, RskAddress? To, IReadOnlyList<RskLog> Logs);

/// <summary>An <c>eth_getLogs</c> filter.</summary>
/// <param name="Address">Contract, or null for any.</param>
/// <param name="Topics">Topic filters by position (null: any).</param>
/// <param name="FromBlock">First block.</param>
/// <param name="ToBlock">Last block.</param>
public sealed record RskLogFilter(RskAddress? Address, IReadOnlyList<byte[]?> Topics, BlockTag FromBlock, BlockTag ToBlock);
