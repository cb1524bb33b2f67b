using System.Collections.Immutable;
using System.Text;
using OPSource.Bitcoin.Encoding;
using OPSource.Layers.Stacks.Clarity;

namespace OPSource.Layers.Stacks.Transactions;

/// <summary>The SIP-005 transaction wire format, both ways.</summary>
public static class TransactionCodec
{
    /// <summary>Serializes a transaction.</summary>
    public static byte[] Serialize(StacksTransaction tx)
    {
        var w = new WireWriter();
        w.U8(tx.Version);
        w.U32(tx.ChainId);
        w.U8((byte)tx.Auth.Type);
        WriteCondition(w, tx.Auth.Origin);
        if (tx.Auth.Type == AuthType.Sponsored)
        {
            WriteCondition(w, tx.Auth.Sponsor ?? throw new StacksException("stacks_tx_sponsor", "stacks tx: a sponsored authorization needs a sponsor condition"));
        }

        w.U8((byte)tx.AnchorMode);
        w.U8((byte)tx.PostConditionMode);
        w.U32((uint)tx.PostConditions.Length);
        foreach (var pc in tx.PostConditions)
        {
            WritePostCondition(w, pc);
        }

        WritePayload(w, tx.Payload);
        return w.ToArray();
    }

    /// <summary>Writes a spending condition.</summary>
    public static void WriteCondition(WireWriter w, SpendingCondition condition)
    {
        w.U8((byte)condition.HashMode);
        w.Bytes(condition.Signer.AsSpan());
        w.U64(condition.Nonce);
        w.U64(condition.Fee);
        switch (condition)
        {
            case SingleSigCondition s:
                w.U8((byte)s.KeyEncoding);
                w.Bytes(s.Signature.AsSpan());
                break;
            case MultiSigCondition m:
                w.U32((uint)m.Fields.Length);
                foreach (var field in m.Fields)
                {
                    w.U8(field.WireType);
                    w.Bytes(field.Data.AsSpan());
                }

                w.U16(m.SignaturesRequired);
                break;
        }
    }

    private static void WritePrincipal(WireWriter w, PostConditionPrincipal principal)
    {
        switch (principal)
        {
            case PostConditionPrincipal.Origin:
                w.U8(0x01);
                break;
            case PostConditionPrincipal.Standard s:
                w.U8(0x02);
                ClarityCodec.WriteAddress(w, s.Address);
                break;
            case PostConditionPrincipal.Contract c:
                w.U8(0x03);
                ClarityCodec.WriteAddress(w, c.Address);
                w.Name(c.Name);
                break;
        }
    }

    private static void WriteAsset(WireWriter w, AssetInfo asset)
    {
        ClarityCodec.WriteAddress(w, asset.Address);
        w.Name(asset.ContractName);
        w.Name(asset.AssetName);
    }

    private static void WritePostCondition(WireWriter w, PostCondition pc)
    {
        switch (pc)
        {
            case StxPostCondition s:
                w.U8(0x00);
                WritePrincipal(w, s.Principal);
                w.U8((byte)s.Code);
                w.U64(s.Amount);
                break;
            case FungiblePostCondition f:
                w.U8(0x01);
                WritePrincipal(w, f.Principal);
                WriteAsset(w, f.Asset);
                w.U8((byte)f.Code);
                w.U64(f.Amount);
                break;
            case NonFungiblePostCondition n:
                w.U8(0x02);
                WritePrincipal(w, n.Principal);
                WriteAsset(w, n.Asset);
                ClarityCodec.Write(w, n.AssetId);
                w.U8((byte)n.Code);
                break;
            case StakingPostCondition k:
                w.U8(0x03);
                WritePrincipal(w, k.Principal);
                w.U8((byte)k.Code);
                w.U64(k.Amount);
                break;
            case PoxPostCondition x:
                w.U8(0x04);
                WritePrincipal(w, x.Principal);
                w.U8((byte)x.Code);
                break;
        }
    }

    /// <summary>The wire bytes of a payload alone (as /v2/fees/transaction takes it).</summary>
    public static byte[] SerializePayload(Payload payload)
    {
        var w = new WireWriter();
        WritePayload(w, payload);
        return w.ToArray();
    }

    private static void WritePayload(WireWriter w, Payload payload)
    {
        switch (payload)
        {
            case TokenTransferPayload t:
                w.U8(0x00);
                ClarityCodec.Write(w, t.Recipient);
                w.U64(t.Amount);
                w.Bytes(t.Memo.AsSpan());
                break;
            case ContractCallPayload c:
                w.U8(0x02);
                ClarityCodec.WriteAddress(w, c.Address);
                w.Name(c.ContractName);
                w.Name(c.FunctionName);
                w.U32((uint)c.Arguments.Length);
                foreach (var arg in c.Arguments)
                {
                    ClarityCodec.Write(w, arg);
                }

                break;
            case SmartContractPayload s:
                if (s.ClarityVersion is { } version)
                {
                    w.U8(0x06);
                    w.U8(version);
                }
                else
                {
                    w.U8(0x01);
                }

                w.Name(s.ContractName);
                byte[] code = Encoding.UTF8.GetBytes(s.CodeBody);
                w.U32((uint)code.Length);
                w.Bytes(code);
                break;
            case CoinbasePayload cb:
                w.U8(cb.PayloadType);
                w.Bytes(cb.Data.AsSpan());
                if (cb.PayloadType != 0x04)
                {
                    ClarityCodec.Write(w, cb.Recipient ?? throw new StacksException("stacks_tx_payload", "stacks tx: this coinbase needs a recipient"));
                }

                if (cb.PayloadType == 0x08)
                {
                    w.Bytes(cb.VrfProof.AsSpan());
                }

                break;
            case TenureChangePayload t:
                w.U8(0x07);
                w.Bytes(t.TenureConsensusHash.AsSpan());
                w.Bytes(t.PreviousTenureConsensusHash.AsSpan());
                w.Bytes(t.BurnViewConsensusHash.AsSpan());
                w.Bytes(t.PreviousTenureEnd.AsSpan());
                w.U32(t.PreviousTenureBlocks);
                w.U8(t.Cause);
                w.Bytes(t.PublicKeyHash.AsSpan());
                break;
            default:
                throw new ArgumentException($"stacks tx: unknown payload {payload.GetType().Name}", nameof(payload));
        }
    }

    /// <summary>Parses hex (an optional 0x prefix is accepted).</summary>
    public static StacksTransaction ParseHex(string hex)
    {
        hex = hex.Trim();
        if (hex.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            hex = hex[2..];
        }

        return Hex.TryParse(hex, out byte[] bytes, out var error)
            ? Parse(bytes)
            : throw new StacksException("stacks_decode", $"stacks decode: {error}");
    }

    /// <summary>Parses exactly one transaction.</summary>
    public static StacksTransaction Parse(byte[] data)
    {
        var r = new WireReader(data);
        byte version = r.U8("transaction version");
        if (version is not (0x00 or 0x80))
        {
            throw new StacksException("stacks_decode", $"stacks decode: unknown transaction version 0x{version:x2}");
        }

        uint chainId = r.U32("chain id");
        byte authType = r.U8("authorization type");
        if (authType is not ((byte)AuthType.Standard or (byte)AuthType.Sponsored))
        {
            throw new StacksException("stacks_decode", $"stacks decode: unknown authorization type 0x{authType:x2}");
        }

        var origin = ReadCondition(r, "origin");
        var sponsor = authType == (byte)AuthType.Sponsored ? ReadCondition(r, "sponsor") : null;
        byte anchor = r.U8("anchor mode");
        if (anchor is < 1 or > 3)
        {
            throw new StacksException("stacks_decode", $"stacks decode: unknown anchor mode {anchor}");
        }

        byte pcMode = r.U8("post-condition mode");
        if (pcMode is < 1 or > 3)
        {
            throw new StacksException("stacks_decode", $"stacks decode: unknown post-condition mode {pcMode}");
        }

        uint pcCount = r.U32("post-condition count");
        var pcs = ImmutableArray.CreateBuilder<PostCondition>();
        for (uint i = 0; i < pcCount; i++)
        {
            pcs.Add(ReadPostCondition(r));
        }

        var payload = ReadPayload(r);
        r.End("transaction");
        return new StacksTransaction(version, chainId, new Authorization((AuthType)authType, origin, sponsor),
            (AnchorMode)anchor, (PostConditionMode)pcMode, pcs.ToImmutable(), payload);
    }

    /// <summary>Reads a spending condition.</summary>
    public static SpendingCondition ReadCondition(WireReader r, string what)
    {
        byte mode = r.U8(what + " hash mode");
        if (mode is not (0x00 or 0x01 or 0x02 or 0x03 or 0x05 or 0x07))
        {
            throw new StacksException("stacks_decode", $"stacks decode: unknown {what} hash mode 0x{mode:x2}");
        }

        var hashMode = (HashMode)mode;
        var signer = ImmutableArray.Create(r.Bytes(20, what + " signer").ToArray());
        ulong nonce = r.U64(what + " nonce");
        ulong fee = r.U64(what + " fee");
        if (hashMode is HashMode.P2pkh or HashMode.P2wpkh)
        {
            byte encoding = r.U8(what + " key encoding");
            if (encoding > 1)
            {
                throw new StacksException("stacks_decode", $"stacks decode: unknown {what} key encoding {encoding}");
            }

            if (hashMode == HashMode.P2wpkh && encoding != 0)
            {
                throw new StacksException("stacks_decode", $"stacks decode: {what} P2WPKH requires a compressed key");
            }

            var signature = ImmutableArray.Create(r.Bytes(65, what + " signature").ToArray());
            return new SingleSigCondition(hashMode, signer, nonce, fee, (KeyEncoding)encoding, signature);
        }

        uint count = r.U32(what + " field count");
        var fields = ImmutableArray.CreateBuilder<AuthField>();
        for (uint i = 0; i < count; i++)
        {
            byte type = r.U8(what + " field type");
            if (type > 3)
            {
                throw new StacksException("stacks_decode", $"stacks decode: unknown {what} auth field type {type}");
            }

            bool isSig = type >= 2;
            var encoding = (KeyEncoding)(type & 1);
            int size = isSig ? 65 : 33; // keys travel compressed whatever the flag says (stacks-core TransactionAuthField)
            fields.Add(new AuthField(isSig, encoding, r.Bytes(size, what + " auth field")));
        }

        ushort required = r.U16(what + " signatures required");
        return new MultiSigCondition(hashMode, signer, nonce, fee, fields.ToImmutable(), required);
    }

    private static PostConditionPrincipal ReadPrincipal(WireReader r)
    {
        byte type = r.U8("post-condition principal");
        return type switch
        {
            0x01 => new PostConditionPrincipal.Origin(),
            0x02 => new PostConditionPrincipal.Standard(ClarityCodec.ReadAddress(r, "post-condition principal")),
            0x03 => new PostConditionPrincipal.Contract(ClarityCodec.ReadAddress(r, "post-condition principal"), ContractName(r.Name("post-condition contract name"))),
            _ => throw new StacksException("stacks_decode", $"stacks decode: unknown post-condition principal type 0x{type:x2}"),
        };
    }

    private static string ContractName(string name) => ClarityValue.IsValidContractName(name)
        ? name
        : throw new StacksException("stacks_decode", $"stacks decode: contract name '{name}' is not valid");

    private static AssetInfo ReadAsset(WireReader r)
    {
        var address = ClarityCodec.ReadAddress(r, "asset address");
        string contract = ContractName(r.Name("asset contract name"));
        string asset = r.Name("asset name");
        return ClarityValue.IsValidName(asset)
            ? new AssetInfo(address, contract, asset)
            : throw new StacksException("stacks_decode", $"stacks decode: asset name '{asset}' is not valid");
    }

    private static FungibleConditionCode FungibleCode(byte code) => code is >= 1 and <= 5
        ? (FungibleConditionCode)code
        : throw new StacksException("stacks_decode", $"stacks decode: unknown fungible condition code 0x{code:x2}");

    private static PostCondition ReadPostCondition(WireReader r)
    {
        byte type = r.U8("post-condition type");
        switch (type)
        {
            case 0x00:
                var sp = ReadPrincipal(r);
                var scode = FungibleCode(r.U8("condition code"));
                return new StxPostCondition(sp, scode, r.U64("STX amount"));
            case 0x01:
                var fp = ReadPrincipal(r);
                var asset = ReadAsset(r);
                var fcode = FungibleCode(r.U8("condition code"));
                return new FungiblePostCondition(fp, asset, fcode, r.U64("token amount"));
            case 0x02:
                var np = ReadPrincipal(r);
                var nasset = ReadAsset(r);
                var id = ClarityCodec.Read(r);
                byte ncode = r.U8("condition code");
                return ncode is 0x10 or 0x11 or 0x12
                    ? new NonFungiblePostCondition(np, nasset, id, (NonFungibleConditionCode)ncode)
                    : throw new StacksException("stacks_decode", $"stacks decode: unknown non-fungible condition code 0x{ncode:x2}");
            case 0x03:
                var kp = ReadPrincipal(r);
                var kcode = FungibleCode(r.U8("condition code"));
                return new StakingPostCondition(kp, kcode, r.U64("staking amount"));
            case 0x04:
                var xp = ReadPrincipal(r);
                byte xcode = r.U8("condition code");
                return xcode is >= 0x30 and <= 0x32
                    ? new PoxPostCondition(xp, (PoxConditionCode)xcode)
                    : throw new StacksException("stacks_decode", $"stacks decode: unknown PoX condition code 0x{xcode:x2}");
            default:
                throw new StacksException("stacks_decode", $"stacks decode: unknown post-condition type 0x{type:x2}");
        }
    }

    private static Payload ReadPayload(WireReader r)
    {
        byte type = r.U8("payload type");
        switch (type)
        {
            case 0x00:
                var recipient = ClarityCodec.Read(r);
                ulong amount = r.U64("transfer amount");
                return new TokenTransferPayload(recipient, amount, r.Bytes(TokenTransferPayload.MemoSize, "memo"));
            case 0x02:
                var address = ClarityCodec.ReadAddress(r, "contract address");
                string contract = ContractName(r.Name("contract name"));
                string function = r.Name("function name");
                if (!ClarityValue.IsValidName(function))
                {
                    throw new StacksException("stacks_decode", $"stacks decode: function name '{function}' is not valid");
                }

                uint count = r.U32("argument count");
                var args = ImmutableArray.CreateBuilder<ClarityValue>();
                for (uint i = 0; i < count; i++)
                {
                    args.Add(ClarityCodec.Read(r));
                }

                return new ContractCallPayload(address, contract, function, args.ToImmutable());
            case 0x01:
            case 0x06:
                byte? version = type == 0x06 ? r.U8("clarity version") : null;
                string name = ContractName(r.Name("contract name"));
                uint length = r.U32("code length");
                var code = r.Bytes(checked((int)Math.Min(length, int.MaxValue)), "contract code");
                return new SmartContractPayload(name, Encoding.UTF8.GetString(code), version);
            case 0x04:
                return new CoinbasePayload(0x04, [.. r.Bytes(32, "coinbase")], null, []);
            case 0x05:
                var coinbase = ImmutableArray.Create(r.Bytes(32, "coinbase").ToArray());
                var alt = ClarityCodec.Read(r);
                return alt is ClarityStandardPrincipal or ClarityContractPrincipal
                    ? new CoinbasePayload(0x05, coinbase, alt, [])
                    : throw new StacksException("stacks_decode", "stacks decode: coinbase recipient is not a principal");
            case 0x08:
                var nakamoto = ImmutableArray.Create(r.Bytes(32, "coinbase").ToArray());
                var recipientOption = ClarityCodec.Read(r);
                if (recipientOption is not ClarityOptional { Value: null or ClarityStandardPrincipal or ClarityContractPrincipal })
                {
                    throw new StacksException("stacks_decode", "stacks decode: Nakamoto coinbase recipient is not an optional principal");
                }

                return new CoinbasePayload(0x08, nakamoto, recipientOption, [.. r.Bytes(80, "VRF proof")]);
            case 0x07:
                var tenure = ImmutableArray.Create(r.Bytes(20, "tenure consensus hash").ToArray());
                var previous = ImmutableArray.Create(r.Bytes(20, "previous tenure consensus hash").ToArray());
                var burnView = ImmutableArray.Create(r.Bytes(20, "burn view consensus hash").ToArray());
                var previousEnd = ImmutableArray.Create(r.Bytes(32, "previous tenure end").ToArray());
                uint blocks = r.U32("previous tenure blocks");
                byte cause = r.U8("tenure change cause");
                if (cause > 1)
                {
                    throw new StacksException("stacks_decode", $"stacks decode: unknown tenure change cause {cause}");
                }

                return new TenureChangePayload(tenure, previous, burnView, previousEnd, blocks, cause, [.. r.Bytes(20, "public key hash")]);
            default:
                throw new StacksException("stacks_decode", $"stacks decode: payload type 0x{type:x2} is not supported");
        }
    }
}
