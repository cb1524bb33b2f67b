using System.Collections.Immutable;
using OPSource.Layers.Stacks.Clarity;

namespace OPSource.Layers.Stacks.Transactions;

/// <summary>SIP-005 anchor mode.</summary>
public enum AnchorMode : byte
{
    /// <summary>The transaction must be included in an anchored block.</summary>
    OnChainOnly = 1,
    /// <summary>The transaction must be included in a microblock.</summary>
    OffChainOnly = 2,
    /// <summary>Either.</summary>
    Any = 3,
}

/// <summary>SIP-005 post-condition mode.</summary>
public enum PostConditionMode : byte
{
    /// <summary>Transfers not covered by a post-condition are allowed.</summary>
    Allow = 1,
    /// <summary>Transfers not covered by a post-condition abort the transaction.</summary>
    Deny = 2,
    /// <summary>Only the origin's transfers must be covered by post-conditions (SIP-040 "originator" mode, Stacks 3.3; stacks.js 7.6).</summary>
    Originator = 3,
}

/// <summary>SIP-005 authorization type.</summary>
public enum AuthType : byte
{
    /// <summary>The origin pays.</summary>
    Standard = 0x04,
    /// <summary>A sponsor pays.</summary>
    Sponsored = 0x05,
}

/// <summary>SIP-005 spending-condition hash modes (non-sequential multisig: SIP-027).</summary>
public enum HashMode : byte
{
    /// <summary>Single-sig, HASH160 of the public key.</summary>
    P2pkh = 0x00,
    /// <summary>Multi-sig, HASH160 of the multisig redeem script.</summary>
    P2sh = 0x01,
    /// <summary>Single-sig, HASH160 of the P2SH-P2WPKH redeem script.</summary>
    P2wpkh = 0x02,
    /// <summary>Multi-sig, HASH160 of the P2SH-P2WSH redeem script.</summary>
    P2wsh = 0x03,
    /// <summary>Multi-sig P2SH whose signers all sign the initial sighash (SIP-027).</summary>
    P2shNonSequential = 0x05,
    /// <summary>Multi-sig P2WSH whose signers all sign the initial sighash (SIP-027).</summary>
    P2wshNonSequential = 0x07,
}

/// <summary>Public key encoding of a single-sig signer.</summary>
public enum KeyEncoding : byte
{
    /// <summary>33-byte SEC1 compressed.</summary>
    Compressed = 0x00,
    /// <summary>65-byte SEC1 uncompressed.</summary>
    Uncompressed = 0x01,
}

/// <summary>
/// One field of a multisig spending condition: a public key or a recoverable signature. On the wire a
/// public key is always its 33-byte compressed form; the type byte (0x00/0x01) carries whether the signer
/// uses it uncompressed (stacks-core TransactionAuthField, as stacks.js writes it).
/// </summary>
public sealed record AuthField
{
    /// <summary>Creates a field: a 65-byte recid‖r‖s signature, or a public key (33 or 65 bytes; stored compressed).</summary>
    public AuthField(bool isSignature, KeyEncoding encoding, ReadOnlySpan<byte> data)
    {
        if (isSignature)
        {
            if (data.Length != 65)
            {
                throw new StacksException("stacks_auth_field", $"stacks auth: signature field is {data.Length} bytes, expected 65");
            }

            Data = [.. data];
        }
        else
        {
            if (!OPSource.Crypto.Secp256k1.PublicKey.TryParse(data, out var key))
            {
                throw new StacksException("stacks_auth_field", "stacks auth: public key field is not a valid secp256k1 key");
            }

            Data = [.. key.ToCompressed()];
        }

        IsSignature = isSignature;
        Encoding = encoding;
    }

    /// <summary>True for a signature, false for a public key.</summary>
    public bool IsSignature { get; }

    /// <summary>Key encoding (of the key, or of the signer's key).</summary>
    public KeyEncoding Encoding { get; }

    /// <summary>The 33-byte compressed public key or the 65-byte recid‖r‖s signature, as on the wire.</summary>
    public ImmutableArray<byte> Data { get; }

    /// <summary>The public key as the signer hash uses it (uncompressed when <see cref="Encoding"/> says so).</summary>
    public byte[] PublicKeyBytes()
    {
        if (IsSignature)
        {
            throw new InvalidOperationException("a signature field has no public key");
        }

        var key = OPSource.Crypto.Secp256k1.PublicKey.Parse(Data.AsSpan());
        return Encoding == KeyEncoding.Compressed ? key.ToCompressed() : key.ToUncompressed();
    }

    /// <summary>The wire type byte: 0x00/0x01 key compressed/uncompressed, 0x02/0x03 signature.</summary>
    public byte WireType => (byte)((IsSignature ? 2 : 0) + (byte)Encoding);
}

/// <summary>A spending condition (SIP-005 "Transaction Authorization").</summary>
public abstract record SpendingCondition(HashMode HashMode, ImmutableArray<byte> Signer, ulong Nonce, ulong Fee)
{
    /// <summary>True for multi-sig hash modes.</summary>
    public bool IsMultiSig => HashMode is not (HashMode.P2pkh or HashMode.P2wpkh);

    /// <summary>True for the SIP-027 modes where each signer signs the initial sighash.</summary>
    public bool IsNonSequential => HashMode is HashMode.P2shNonSequential or HashMode.P2wshNonSequential;

    /// <summary>The signer's address on <paramref name="network"/>.</summary>
    public StacksAddress Address(StacksNetwork network) =>
        new(HashMode == HashMode.P2pkh ? network.SingleSigVersion : network.MultiSigVersion, Signer.AsSpan());

    /// <summary>This condition with nonce, fee and signatures cleared, as the initial sighash requires.</summary>
    public abstract SpendingCondition Cleared();
}

/// <summary>A single-sig condition (P2PKH or P2WPKH).</summary>
public sealed record SingleSigCondition(HashMode HashMode, ImmutableArray<byte> Signer, ulong Nonce, ulong Fee, KeyEncoding KeyEncoding, ImmutableArray<byte> Signature)
    : SpendingCondition(HashMode, Signer, Nonce, Fee)
{
    /// <summary>An all-zero signature (unsigned).</summary>
    public static ImmutableArray<byte> EmptySignature { get; } = ImmutableArray.Create(new byte[65]);

    /// <inheritdoc />
    public override SpendingCondition Cleared() => this with { Nonce = 0, Fee = 0, Signature = EmptySignature };
}

/// <summary>A multi-sig condition (P2SH, P2WSH and the non-sequential variants).</summary>
public sealed record MultiSigCondition(HashMode HashMode, ImmutableArray<byte> Signer, ulong Nonce, ulong Fee, ImmutableArray<AuthField> Fields, ushort SignaturesRequired)
    : SpendingCondition(HashMode, Signer, Nonce, Fee)
{
    /// <inheritdoc />
    public override SpendingCondition Cleared() => this with { Nonce = 0, Fee = 0, Fields = [] };
}

/// <summary>Authorization: the origin's condition and, when sponsored, the sponsor's.</summary>
public sealed record Authorization(AuthType Type, SpendingCondition Origin, SpendingCondition? Sponsor)
{
    /// <summary>A standard authorization.</summary>
    public static Authorization Standard(SpendingCondition origin) => new(AuthType.Standard, origin, null);

    /// <summary>
    /// A sponsored authorization whose sponsor is still a placeholder: P2PKH of the all-zero 33-byte key,
    /// nonce and fee 0, zero signature (stacks.js createSponsoredAuth's default).
    /// </summary>
    public static Authorization SponsoredPlaceholder(SpendingCondition origin) => new(AuthType.Sponsored, origin, PlaceholderSponsor);

    /// <summary>The unsigned sponsor a sponsored transaction carries until its sponsor signs.</summary>
    public static SpendingCondition PlaceholderSponsor { get; } =
        new SingleSigCondition(HashMode.P2pkh, [.. StacksKeys.SignerHash(HashMode.P2pkh, 1, [new byte[33]])], 0, 0, KeyEncoding.Compressed, SingleSigCondition.EmptySignature);

    /// <summary>The placeholder sponsor of the initial sighash: P2PKH, zero signer, nonce and fee, compressed, zero signature.</summary>
    public static SpendingCondition EmptySponsor { get; } =
        new SingleSigCondition(HashMode.P2pkh, ImmutableArray.Create(new byte[20]), 0, 0, KeyEncoding.Compressed, SingleSigCondition.EmptySignature);
}

/// <summary>Who a post-condition is about.</summary>
public abstract record PostConditionPrincipal
{
    /// <summary>The transaction's origin (wire 0x01).</summary>
    public sealed record Origin : PostConditionPrincipal;

    /// <summary>A standard principal (wire 0x02).</summary>
    public sealed record Standard(StacksAddress Address) : PostConditionPrincipal;

    /// <summary>A contract principal (wire 0x03).</summary>
    public sealed record Contract(StacksAddress Address, string Name) : PostConditionPrincipal;

    /// <summary>Parses <c>origin</c>, an address or address.contract.</summary>
    public static PostConditionPrincipal Parse(string text)
    {
        if (text == "origin")
        {
            return new Origin();
        }

        return Cv.Principal(text) switch
        {
            ClarityContractPrincipal c => new Contract(c.Address, c.Name),
            ClarityStandardPrincipal s => new Standard(s.Address),
            _ => throw new InvalidOperationException(),
        };
    }

    /// <summary>The text form <see cref="Parse"/> reads (sealed, so the derived records do not print themselves as <c>Origin { }</c>).</summary>
    public sealed override string ToString() => this switch
    {
        Origin => "origin",
        Standard s => s.Address.ToString(),
        Contract c => $"{c.Address}.{c.Name}",
        _ => "",
    };
}

/// <summary>Fungible (and STX) condition codes.</summary>
public enum FungibleConditionCode : byte
{
    /// <summary>Sent exactly.</summary>
    Equal = 0x01,
    /// <summary>Sent more than.</summary>
    Greater = 0x02,
    /// <summary>Sent at least.</summary>
    GreaterEqual = 0x03,
    /// <summary>Sent less than.</summary>
    Less = 0x04,
    /// <summary>Sent at most.</summary>
    LessEqual = 0x05,
}

/// <summary>Non-fungible condition codes.</summary>
public enum NonFungibleConditionCode : byte
{
    /// <summary>The asset is sent.</summary>
    Sends = 0x10,
    /// <summary>The asset is not sent.</summary>
    DoesNotSend = 0x11,
    /// <summary>The asset may or may not be sent (SIP-040; stacks.js 7.6).</summary>
    MaybeSent = 0x12,
}

/// <summary>PoX post-condition codes (SIP-040; stacks.js 7.6).</summary>
public enum PoxConditionCode : byte
{
    /// <summary>The principal will not perform a PoX operation.</summary>
    WillNotPerform = 0x30,
    /// <summary>The principal may perform one.</summary>
    MayPerform = 0x31,
    /// <summary>The principal will perform one.</summary>
    WillPerform = 0x32,
}

/// <summary>An asset: the declaring contract and the token name (<c>ADDRESS.contract::asset</c>).</summary>
public sealed record AssetInfo
{
    /// <summary>Creates the asset info; names are checked.</summary>
    public AssetInfo(StacksAddress address, string contractName, string assetName)
    {
        Address = address;
        ContractName = ClarityValue.CheckContractName(contractName);
        AssetName = ClarityValue.CheckName(assetName, "asset name");
    }

    /// <summary>Deployer.</summary>
    public StacksAddress Address { get; }

    /// <summary>Contract name.</summary>
    public string ContractName { get; }

    /// <summary>Asset name.</summary>
    public string AssetName { get; }

    /// <summary>Parses <c>ADDRESS.contract::asset</c>.</summary>
    public static AssetInfo Parse(string text)
    {
        int sep = text.IndexOf("::", StringComparison.Ordinal);
        int dot = text.IndexOf('.', StringComparison.Ordinal);
        if (sep < 0 || dot < 0 || dot > sep)
        {
            throw new StacksException("stacks_asset", $"stacks asset '{text}': expected ADDRESS.contract::asset");
        }

        return new AssetInfo(StacksAddress.Parse(text[..dot]), text[(dot + 1)..sep], text[(sep + 2)..]);
    }

    /// <inheritdoc />
    public override string ToString() => $"{Address}.{ContractName}::{AssetName}";
}

/// <summary>A post-condition (SIP-005 "Transaction Post-Conditions").</summary>
public abstract record PostCondition(PostConditionPrincipal Principal);

/// <summary>STX post-condition (wire 0x00).</summary>
public sealed record StxPostCondition(PostConditionPrincipal Principal, FungibleConditionCode Code, ulong Amount) : PostCondition(Principal);

/// <summary>Fungible-token post-condition (wire 0x01).</summary>
public sealed record FungiblePostCondition(PostConditionPrincipal Principal, AssetInfo Asset, FungibleConditionCode Code, ulong Amount) : PostCondition(Principal);

/// <summary>Non-fungible-token post-condition (wire 0x02).</summary>
public sealed record NonFungiblePostCondition(PostConditionPrincipal Principal, AssetInfo Asset, ClarityValue AssetId, NonFungibleConditionCode Code) : PostCondition(Principal);

/// <summary>Staking post-condition (wire 0x03, SIP-040): the amount of STX the principal locks.</summary>
public sealed record StakingPostCondition(PostConditionPrincipal Principal, FungibleConditionCode Code, ulong Amount) : PostCondition(Principal);

/// <summary>PoX post-condition (wire 0x04, SIP-040): whether the principal performs a PoX operation.</summary>
public sealed record PoxPostCondition(PostConditionPrincipal Principal, PoxConditionCode Code) : PostCondition(Principal);

/// <summary>A transaction payload.</summary>
public abstract record Payload;

/// <summary>STX transfer (wire 0x00): recipient principal, micro-STX, 34-byte memo.</summary>
public sealed record TokenTransferPayload : Payload
{
    /// <summary>The memo's fixed wire size.</summary>
    public const int MemoSize = 34;

    /// <summary>Creates the payload; the memo is at most 34 bytes (zero-padded on the wire).</summary>
    public TokenTransferPayload(ClarityValue recipient, ulong amount, ReadOnlySpan<byte> memo)
    {
        if (recipient is not (ClarityStandardPrincipal or ClarityContractPrincipal))
        {
            throw new StacksException("stacks_recipient", "stacks transfer: the recipient must be a principal");
        }

        if (memo.Length > MemoSize)
        {
            throw new StacksException("stacks_memo_too_long", $"stacks transfer: memo is {memo.Length} bytes, at most {MemoSize} fit");
        }

        Recipient = recipient;
        Amount = amount;
        var padded = new byte[MemoSize];
        memo.CopyTo(padded);
        Memo = [.. padded];
    }

    /// <summary>From a text memo (UTF-8, at most 34 bytes).</summary>
    public static TokenTransferPayload Create(ClarityValue recipient, ulong amount, string memo) =>
        new(recipient, amount, System.Text.Encoding.UTF8.GetBytes(memo));

    /// <summary>Recipient principal.</summary>
    public ClarityValue Recipient { get; }

    /// <summary>Amount in micro-STX.</summary>
    public ulong Amount { get; }

    /// <summary>The 34-byte memo as on the wire.</summary>
    public ImmutableArray<byte> Memo { get; }

    /// <summary>The memo text without trailing zero bytes.</summary>
    public string MemoText => System.Text.Encoding.UTF8.GetString(Memo.AsSpan().TrimEnd((byte)0));
}

/// <summary>Contract call (wire 0x02).</summary>
public sealed record ContractCallPayload : Payload
{
    /// <summary>Creates the payload; names are checked.</summary>
    public ContractCallPayload(StacksAddress address, string contractName, string functionName, ImmutableArray<ClarityValue> arguments)
    {
        Address = address;
        ContractName = ClarityValue.CheckContractName(contractName);
        FunctionName = ClarityValue.CheckName(functionName, "function name");
        Arguments = arguments;
    }

    /// <summary>Deployer.</summary>
    public StacksAddress Address { get; }

    /// <summary>Contract name.</summary>
    public string ContractName { get; }

    /// <summary>Function name.</summary>
    public string FunctionName { get; }

    /// <summary>Arguments.</summary>
    public ImmutableArray<ClarityValue> Arguments { get; }
}

/// <summary>Smart-contract deploy: wire 0x01, or 0x06 (versioned) when <see cref="ClarityVersion"/> is set.</summary>
public sealed record SmartContractPayload : Payload
{
    /// <summary>Creates the payload.</summary>
    public SmartContractPayload(string contractName, string codeBody, byte? clarityVersion)
    {
        ContractName = ClarityValue.CheckContractName(contractName);
        CodeBody = codeBody;
        ClarityVersion = clarityVersion;
    }

    /// <summary>Contract name.</summary>
    public string ContractName { get; }

    /// <summary>Clarity source.</summary>
    public string CodeBody { get; }

    /// <summary>Clarity version (1, 2, 3...) or null for the unversioned payload.</summary>
    public byte? ClarityVersion { get; }
}

/// <summary>A Stacks transaction (SIP-005 "Transaction Encoding"). Immutable; sign with <see cref="TransactionSigner"/>.</summary>
public sealed record StacksTransaction(
    byte Version,
    uint ChainId,
    Authorization Auth,
    AnchorMode AnchorMode,
    PostConditionMode PostConditionMode,
    ImmutableArray<PostCondition> PostConditions,
    Payload Payload)
{
    /// <summary>The network of the version byte.</summary>
    public StacksNetwork Network => StacksNetwork.FromTransactionVersion(Version);

    /// <summary>The wire bytes.</summary>
    public byte[] Serialize() => TransactionCodec.Serialize(this);

    /// <summary>The txid: SHA-512/256 of the wire bytes, hex.</summary>
    public string TxId => OPSource.Bitcoin.Encoding.Hex.Encode(Sha512_256.Hash(Serialize()));
}

/// <summary>
/// Coinbase payloads (miner-only): 0x04 coinbase (32 bytes), 0x05 coinbase to an alternative recipient
/// (principal), 0x08 Nakamoto coinbase (optional principal recipient and an 80-byte VRF proof).
/// </summary>
public sealed record CoinbasePayload(byte PayloadType, ImmutableArray<byte> Data, ClarityValue? Recipient, ImmutableArray<byte> VrfProof) : Payload;

/// <summary>Tenure change (0x07, SIP-021): consensus hashes, previous tenure end and block count, cause, signer key hash.</summary>
public sealed record TenureChangePayload(
    ImmutableArray<byte> TenureConsensusHash,
    ImmutableArray<byte> PreviousTenureConsensusHash,
    ImmutableArray<byte> BurnViewConsensusHash,
    ImmutableArray<byte> PreviousTenureEnd,
    uint PreviousTenureBlocks,
    byte Cause,
    ImmutableArray<byte> PublicKeyHash) : Payload;
