using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using OPSource.Bitcoin.Encoding;
using OPSource.Crypto.Secp256k1;
using OPSource.Layers.Stacks;
using OPSource.Layers.Stacks.Clarity;
using OPSource.Layers.Stacks.Transactions;

namespace OPSource.Layers.Tests.Stacks;

/// <summary>Seeded random keys, values, post-conditions and transactions, built by OPSource and described for stacks.js.</summary>
internal sealed class RandomStacks(int seed)
{
    private readonly Random _rng = new(seed);

    public StacksPrivateKey Key(bool allowUncompressed = true)
    {
        var bytes = new byte[32];
        while (true)
        {
            _rng.NextBytes(bytes);
            if (SecretKey.TryCreate(bytes, out var secret))
            {
                return new StacksPrivateKey(secret, compressed: !allowUncompressed || _rng.Next(5) != 0);
            }
        }
    }

    public ulong U64() => _rng.Next(4) switch
    {
        0 => 0,
        1 => (ulong)_rng.Next(1000),
        2 => ulong.MaxValue - (ulong)_rng.Next(3),
        _ => (ulong)_rng.NextInt64(long.MaxValue) * 2 + (ulong)_rng.Next(2),
    };

    public StacksAddress Address()
    {
        var hash = new byte[20];
        _rng.NextBytes(hash);
        byte[] versions = [22, 20, 26, 21];
        return new StacksAddress(versions[_rng.Next(versions.Length)], hash);
    }

    public string Name(int max = 12)
    {
        const string first = "abcdefghijklmnopqrstuvwxyz";
        const string rest = "abcdefghijklmnopqrstuvwxyz0123456789-";
        var sb = new StringBuilder().Append(first[_rng.Next(first.Length)]);
        int n = _rng.Next(max);
        for (int i = 0; i < n; i++)
        {
            sb.Append(rest[_rng.Next(rest.Length)]);
        }

        return sb.ToString();
    }

    public string Ascii(int max)
    {
        var sb = new StringBuilder();
        int n = _rng.Next(max + 1);
        for (int i = 0; i < n; i++)
        {
            sb.Append((char)_rng.Next(0x20, 0x7f));
        }

        return sb.ToString();
    }

    public string Utf8(int max)
    {
        string[] pieces = ["a", "Z", " ", "é", "ß", "€", "中", "😀", "\u0301", "7", "\"", "\\"];
        var sb = new StringBuilder();
        int n = _rng.Next(max + 1);
        for (int i = 0; i < n; i++)
        {
            sb.Append(pieces[_rng.Next(pieces.Length)]);
        }

        return sb.ToString();
    }

    public ClarityValue Value(int depth = 0)
    {
        int kind = _rng.Next(depth >= 3 ? 8 : 14);
        switch (kind)
        {
            case 0:
                var magnitude = (Int128)(((UInt128)(ulong)_rng.NextInt64() << 64) | (ulong)_rng.NextInt64()) >> _rng.Next(128);
                return Cv.Int(_rng.Next(2) == 0 ? magnitude : -magnitude - _rng.Next(2));
            case 1:
                return Cv.UInt(((UInt128)(ulong)_rng.NextInt64() << 64 | (ulong)_rng.NextInt64()) >> _rng.Next(128));
            case 2:
                var buffer = new byte[_rng.Next(40)];
                _rng.NextBytes(buffer);
                return Cv.Buffer(buffer);
            case 3:
                return Cv.Bool(_rng.Next(2) == 0);
            case 4:
                return new ClarityStandardPrincipal(Address());
            case 5:
                return new ClarityContractPrincipal(Address(), Name(20));
            case 6:
                return Cv.Ascii(Ascii(30));
            case 7:
                return Cv.Utf8(Utf8(20));
            case 8:
                return _rng.Next(2) == 0 ? Cv.Ok(Value(depth + 1)) : Cv.Err(Value(depth + 1));
            case 9:
                return Cv.None;
            case 10:
                return Cv.Some(Value(depth + 1));
            case 11:
                var items = new ClarityValue[_rng.Next(5)];
                for (int i = 0; i < items.Length; i++)
                {
                    items[i] = Value(depth + 1);
                }

                return Cv.List(items);
            default:
                var entries = new Dictionary<string, ClarityValue>();
                int count = _rng.Next(1, 5);
                for (int i = 0; i < count; i++)
                {
                    entries[Name(8)] = Value(depth + 1);
                }

                return new ClarityTuple(entries);
        }
    }

    private static readonly string[] FungibleComparators = ["eq", "gt", "gte", "lt", "lte"];

    public (PostCondition Ours, JsonObject Theirs) PostCondition()
    {
        PostConditionPrincipal principal;
        string address;
        switch (_rng.Next(3))
        {
            case 0:
                principal = new PostConditionPrincipal.Origin();
                address = "origin";
                break;
            case 1:
                var a = Address();
                principal = new PostConditionPrincipal.Standard(a);
                address = a.ToString();
                break;
            default:
                var c = Address();
                string name = Name(20);
                principal = new PostConditionPrincipal.Contract(c, name);
                address = $"{c}.{name}";
                break;
        }

        int code = _rng.Next(5);
        ulong amount = U64();
        switch (_rng.Next(5))
        {
            case 3:
                return (new StakingPostCondition(principal, (FungibleConditionCode)(code + 1), amount),
                    new JsonObject { ["type"] = "staking-postcondition", ["address"] = address, ["condition"] = FungibleComparators[code], ["amount"] = amount.ToString(CultureInfo.InvariantCulture) });
            case 4:
                string[] pox = ["will-not-perform", "may-perform", "will-perform"];
                int p = _rng.Next(3);
                return (new PoxPostCondition(principal, (PoxConditionCode)(0x30 + p)),
                    new JsonObject { ["type"] = "pox-postcondition", ["address"] = address, ["condition"] = pox[p] });
            case 0:
                return (new StxPostCondition(principal, (FungibleConditionCode)(code + 1), amount),
                    new JsonObject { ["type"] = "stx-postcondition", ["address"] = address, ["condition"] = FungibleComparators[code], ["amount"] = amount.ToString(CultureInfo.InvariantCulture) });
            case 1:
                var asset = new AssetInfo(Address(), Name(20), Name(10));
                return (new FungiblePostCondition(principal, asset, (FungibleConditionCode)(code + 1), amount),
                    new JsonObject { ["type"] = "ft-postcondition", ["address"] = address, ["condition"] = FungibleComparators[code], ["amount"] = amount.ToString(CultureInfo.InvariantCulture), ["asset"] = asset.ToString() });
            default:
                var nft = new AssetInfo(Address(), Name(20), Name(10));
                var id = Value(1);
                string[] nftCodes = ["sent", "not-sent", "maybe-sent"];
                int nc = _rng.Next(3);
                return (new NonFungiblePostCondition(principal, nft, id, (NonFungibleConditionCode)(0x10 + nc)),
                    new JsonObject { ["type"] = "nft-postcondition", ["address"] = address, ["condition"] = nftCodes[nc], ["asset"] = nft.ToString(), ["assetId"] = ClarityCodec.ToHex(id) });
        }
    }

    /// <summary>A random signed transaction built by OPSource, and the same inputs for the driver's <c>build</c>.</summary>
    public (StacksTransaction Tx, JsonObject Case) Transaction()
    {
        var network = _rng.Next(2) == 0 ? StacksNetwork.Mainnet : StacksNetwork.Testnet;
        ulong nonce = U64(), fee = U64();
        var json = new JsonObject
        {
            ["network"] = network.Name,
            ["nonce"] = nonce.ToString(CultureInfo.InvariantCulture),
            ["fee"] = fee.ToString(CultureInfo.InvariantCulture),
        };

        // Origin: single-sig (P2PKH or P2WPKH) or multi-sig in any of the four multi-sig modes.
        SpendingCondition origin;
        StacksPrivateKey? single = null;
        List<byte[]>? publicKeys = null;
        List<StacksPrivateKey>? signers = null;
        if (_rng.Next(3) != 0)
        {
            var mode = _rng.Next(3) == 0 ? HashMode.P2wpkh : HashMode.P2pkh;
            single = Key(allowUncompressed: mode == HashMode.P2pkh);
            origin = TransactionBuilder.SingleSig(single.PublicKeyBytes, nonce, fee, mode);
            json["key"] = single.ToHex();
            json["hashMode"] = (int)mode;
        }
        else
        {
            HashMode[] modes = [HashMode.P2sh, HashMode.P2wsh, HashMode.P2shNonSequential, HashMode.P2wshNonSequential];
            var mode = modes[_rng.Next(modes.Length)];
            bool segwit = mode is HashMode.P2wsh or HashMode.P2wshNonSequential;
            int n = _rng.Next(1, 5), m = _rng.Next(1, n + 1);
            var keys = Enumerable.Range(0, n).Select(_ => Key(allowUncompressed: !segwit)).ToList();
            publicKeys = keys.Select(k => k.PublicKeyBytes).ToList();
            signers = keys.OrderBy(_ => _rng.Next()).Take(m).ToList();
            origin = TransactionBuilder.MultiSig(mode, m, publicKeys, nonce, fee);
            json["multisig"] = new JsonObject
            {
                ["hashMode"] = (int)mode,
                ["required"] = m,
                ["publicKeys"] = new JsonArray([.. publicKeys.Select(k => (JsonNode)Hex.Encode(k))]),
                ["signers"] = new JsonArray([.. signers.Select(k => (JsonNode)k.ToHex())]),
            };
        }

        Payload payload;
        switch (_rng.Next(3))
        {
            case 0:
                var recipient = _rng.Next(4) == 0 ? (ClarityValue)new ClarityContractPrincipal(Address(), Name(20)) : new ClarityStandardPrincipal(Address());
                ulong amount = U64();
                string memo = Ascii(34);
                payload = TokenTransferPayload.Create(recipient, amount, memo);
                json["kind"] = "transfer";
                json["recipient"] = ClarityText.Print(recipient).TrimStart('\'');
                json["amount"] = amount.ToString(CultureInfo.InvariantCulture);
                json["memo"] = memo;
                break;
            case 1:
                var contract = Address();
                string contractName = Name(30), function = Name(20);
                var args = Enumerable.Range(0, _rng.Next(5)).Select(_ => Value()).ToImmutableArray();
                payload = new ContractCallPayload(contract, contractName, function, args);
                json["kind"] = "call";
                json["contractAddress"] = contract.ToString();
                json["contractName"] = contractName;
                json["functionName"] = function;
                json["args"] = new JsonArray([.. args.Select(a => (JsonNode)ClarityCodec.ToHex(a))]);
                break;
            default:
                string deployName = Name(30);
                string code = $"(define-read-only ({Name(10)}) (ok u{_rng.Next()}))\n;; {Ascii(200)}";
                byte? version = _rng.Next(3) switch { 0 => null, 1 => 2, _ => 3 };
                payload = new SmartContractPayload(deployName, code, version);
                json["kind"] = "deploy";
                json["contractName"] = deployName;
                json["codeBody"] = code;
                json["clarityVersion"] = version is null ? null : (JsonNode)(int)version.Value;
                break;
        }

        var pcs = Enumerable.Range(0, _rng.Next(4)).Select(_ => PostCondition()).ToList();
        json["postConditions"] = new JsonArray([.. pcs.Select(p => (JsonNode)p.Theirs)]);
        var pcMode = (PostConditionMode)_rng.Next(1, 4);
        json["postConditionMode"] = pcMode.ToString().ToLowerInvariant();
        var anchor = (AnchorMode)_rng.Next(1, 4);
        json["anchorMode"] = (int)anchor;
        bool sponsored = _rng.Next(3) == 0;

        var tx = TransactionBuilder.Unsigned(network, origin, payload, sponsored, anchor, pcMode, pcs.Select(p => p.Ours));
        tx = single is not null ? TransactionSigner.SignOrigin(tx, single) : TransactionSigner.SignOriginMultiSig(tx, publicKeys!, signers!);
        if (sponsored && _rng.Next(4) == 0)
        {
            json["sponsored"] = true; // signed by the origin, awaiting its sponsor
        }
        else if (sponsored)
        {
            var sponsor = Key();
            ulong sponsorFee = U64(), sponsorNonce = U64();
            tx = TransactionSigner.SignSponsor(tx, sponsor, sponsorFee, sponsorNonce);
            json["sponsor"] = new JsonObject
            {
                ["key"] = sponsor.ToHex(),
                ["fee"] = sponsorFee.ToString(CultureInfo.InvariantCulture),
                ["nonce"] = sponsorNonce.ToString(CultureInfo.InvariantCulture),
            };
        }

        return (tx, json);
    }
}
