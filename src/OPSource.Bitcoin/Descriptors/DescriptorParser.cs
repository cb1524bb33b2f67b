using System.Diagnostics.CodeAnalysis;
using OPSource.Bitcoin.Addresses;
using OPSource.Bitcoin.Encoding;
using OPSource.Bitcoin.Keys;
using OPSource.Crypto.Secp256k1;

namespace OPSource.Bitcoin.Descriptors;

/// <summary>Recursive-descent parser for BIP380-390 descriptors; every error names the rule broken.</summary>
internal sealed partial class DescriptorParser
{
    private enum ScriptCtx
    {
        Top,
        P2sh,
        P2wsh,
        P2tr,
    }

    private enum KeyCtx
    {
        Legacy,
        Witness,
        Taproot,
        MusigParticipant,
    }

    private readonly string _text;
    private readonly Network _network;
    private int _pos;
    private DescriptorError? _error;

    private DescriptorParser(string text, Network network)
    {
        _text = text;
        _network = network;
    }

    internal static string NameOf(DescriptorType type) => type switch
    {
        DescriptorType.Pk => "pk",
        DescriptorType.Pkh => "pkh",
        DescriptorType.Wpkh => "wpkh",
        DescriptorType.Sh => "sh",
        DescriptorType.Wsh => "wsh",
        DescriptorType.Multi => "multi",
        DescriptorType.SortedMulti => "sortedmulti",
        DescriptorType.MultiA => "multi_a",
        DescriptorType.SortedMultiA => "sortedmulti_a",
        DescriptorType.Combo => "combo",
        DescriptorType.Raw => "raw",
        DescriptorType.Addr => "addr",
        DescriptorType.Tr => "tr",
        DescriptorType.RawTr => "rawtr",
        DescriptorType.Miniscript => "miniscript",
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    public static bool TryParse(string? text, Network network, [NotNullWhen(true)] out Descriptor? descriptor, [NotNullWhen(false)] out DescriptorError? error)
    {
        ArgumentNullException.ThrowIfNull(network);
        descriptor = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = new DescriptorError(DescriptorErrorKind.Empty, "descriptor: is empty");
            return false;
        }

        if (!DescriptorChecksum.TryVerify(text, out var body, out error))
        {
            return false;
        }

        // Errors flow as values: every Parse* method returns null (or false) after recording the first
        // error in _error, and no exception is thrown or caught for bad input.
        var parser = new DescriptorParser(body, network);
        var result = parser.ParseScript(ScriptCtx.Top);
        if (result is not null && parser._pos != body.Length)
        {
            result = parser.Fail<Descriptor>(DescriptorErrorKind.Syntax, parser._pos, $"unexpected '{body[parser._pos]}' at position {parser._pos} after the top-level expression");
        }

        // BIP389: all multipath specifiers in a descriptor must have the same length.
        if (result is not null && AllKeys(result).Select(k => k.MultipathCount).Where(c => c > 1).Distinct().Count() > 1)
        {
            result = parser.Fail<Descriptor>(DescriptorErrorKind.Multipath, null, "multipath specifiers have different lengths (BIP389)");
        }

        if (result is null)
        {
            error = parser._error!;
            return false;
        }

        descriptor = result;
        error = null;
        return true;
    }

    private static IEnumerable<KeyExpression> AllKeys(Descriptor d) =>
        d.Keys.SelectMany(k => k is MusigKeyExpression m ? [k, .. m.Participants] : new[] { k }).Concat(d.SubDescriptors.SelectMany(AllKeys));

    /// <summary>Records the first error (a later one is a consequence of it) and returns null for the caller to pass up.</summary>
    private T? Fail<T>(DescriptorErrorKind kind, int? position, string message)
        where T : class
    {
        _error ??= new DescriptorError(kind, "descriptor: " + message, position);
        return null;
    }

    /// <summary><see cref="Fail{T}"/> for the checks that return a bool.</summary>
    private bool Fail(DescriptorErrorKind kind, int? position, string message) => Fail<object>(kind, position, message) is not null;

    private bool TryConsume(char c)
    {
        if (_pos < _text.Length && _text[_pos] == c)
        {
            _pos++;
            return true;
        }

        return false;
    }

    private bool Expect(char c, string where)
    {
        if (TryConsume(c))
        {
            return true;
        }

        var got = _pos < _text.Length ? $"'{_text[_pos]}'" : "end of input";
        return Fail(DescriptorErrorKind.Syntax, _pos, $"{where}: expected '{c}' at position {_pos}, got {got}");
    }

    /// <summary>Reads an argument up to the next ',', ')' or '}' at this nesting level.</summary>
    private string ReadArgument()
    {
        var start = _pos;
        var depth = 0;
        while (_pos < _text.Length)
        {
            var c = _text[_pos];
            if (c is '(' or '{')
            {
                depth++;
            }
            else if (c is ')' or '}')
            {
                if (depth == 0)
                {
                    break;
                }

                depth--;
            }
            else if (c == ',' && depth == 0)
            {
                break;
            }

            _pos++;
        }

        return _text[start.._pos];
    }

    private Descriptor? ParseScript(ScriptCtx ctx)
    {
        var start = _pos;
        while (_pos < _text.Length && (char.IsAsciiLetterLower(_text[_pos]) || _text[_pos] == '_'))
        {
            _pos++;
        }

        var name = _text[start.._pos];
        if (IsMiniscript(name, ctx))
        {
            _pos = start;
            return ParseMiniscript(ctx);
        }

        if (_pos >= _text.Length || _text[_pos] != '(')
        {
            return ctx switch
            {
                ScriptCtx.Top => Fail<Descriptor>(DescriptorErrorKind.Syntax, start, $"position {start}: expected a script expression such as wpkh(...), not a bare key or text"),
                ScriptCtx.P2sh => Fail<Descriptor>(DescriptorErrorKind.WrongContext, start, "sh() only accepts a script expression, not a key (BIP381)"),
                ScriptCtx.P2wsh => Fail<Descriptor>(DescriptorErrorKind.WrongContext, start, "wsh() only accepts a script expression, not a key (BIP382)"),
                _ => Fail<Descriptor>(DescriptorErrorKind.WrongContext, start, "tr() script tree leaves must be script expressions (BIP386)"),
            };
        }

        _pos++;
        var where = name + "()";
        Descriptor? result;
        switch (name)
        {
            case "pk":
            case "pkh":
            {
                var key = ParseKeyArgument(where, ctx == ScriptCtx.P2tr ? KeyCtx.Taproot : ctx == ScriptCtx.P2wsh ? KeyCtx.Witness : KeyCtx.Legacy, allowMusig: ctx == ScriptCtx.P2tr);
                result = key is null ? null : new SingleKeyDescriptor(name == "pk" ? DescriptorType.Pk : DescriptorType.Pkh, key);
                break;
            }

            case "wpkh":
            {
                // BIP382: wpkh() only at top level or inside sh().
                if (ctx is not (ScriptCtx.Top or ScriptCtx.P2sh))
                {
                    return Fail<Descriptor>(DescriptorErrorKind.WrongContext, start, $"wpkh() is only allowed at top level or inside sh(), not inside {CtxName(ctx)} (BIP382)");
                }

                var key = ParseKeyArgument(where, KeyCtx.Witness, allowMusig: false);
                result = key is null ? null : new SingleKeyDescriptor(DescriptorType.Wpkh, key);
                break;
            }

            case "combo":
            {
                // BIP384: combo() is top level only.
                var key = RequireTop(ctx, where, "BIP384", start) ? ParseKeyArgument(where, KeyCtx.Legacy, allowMusig: false) : null;
                result = key is null ? null : new SingleKeyDescriptor(DescriptorType.Combo, key);
                break;
            }

            case "sh":
            {
                // BIP381: sh() is top level only.
                var inner = RequireTop(ctx, where, "BIP381", start) ? ParseScript(ScriptCtx.P2sh) : null;
                result = inner is null ? null : new WrapperDescriptor(DescriptorType.Sh, inner);
                if (result is not null && !CheckSize(result, where, ConsensusLimits.MaxScriptElementSize, "BIP381/BIP16: redeem script larger than 520 bytes", start))
                {
                    return null;
                }

                break;
            }

            case "wsh":
            {
                // BIP382: wsh() at top level or inside sh() only.
                if (ctx is not (ScriptCtx.Top or ScriptCtx.P2sh))
                {
                    return Fail<Descriptor>(DescriptorErrorKind.WrongContext, start, $"wsh() is only allowed at top level or inside sh(), not inside {CtxName(ctx)} (BIP382)");
                }

                var inner = ParseScript(ScriptCtx.P2wsh);
                result = inner is null ? null : new WrapperDescriptor(DescriptorType.Wsh, inner);
                if (result is not null && !CheckSize(result, where, PolicyLimits.MaxStandardP2wshScriptSize, "Core policy: witness script larger than 3600 bytes", start))
                {
                    return null;
                }

                break;
            }

            case "multi":
            case "sortedmulti":
                if (ctx == ScriptCtx.P2tr)
                {
                    return Fail<Descriptor>(DescriptorErrorKind.WrongContext, start, $"{where} is not allowed in tapscript; use multi_a() (BIP387)");
                }

                result = ParseMulti(name == "multi" ? DescriptorType.Multi : DescriptorType.SortedMulti, where, ctx);
                break;
            case "multi_a":
            case "sortedmulti_a":
                // BIP387: only inside tr() script trees.
                if (ctx != ScriptCtx.P2tr)
                {
                    return Fail<Descriptor>(DescriptorErrorKind.WrongContext, start, $"{where} is only allowed in tr() script leaves, not {CtxName(ctx)} (BIP387)");
                }

                result = ParseMulti(name == "multi_a" ? DescriptorType.MultiA : DescriptorType.SortedMultiA, where, ctx);
                break;
            case "tr":
                // BIP386: tr() is top level only.
                result = RequireTop(ctx, where, "BIP386", start) ? ParseTr() : null;
                break;
            case "rawtr":
            {
                var key = RequireTop(ctx, where, "BIP386", start) ? ParseKeyArgument(where, KeyCtx.Taproot, allowMusig: true) : null;
                result = key is null ? null : new TaprootDescriptor(DescriptorType.RawTr, key, null);
                break;
            }

            case "raw":
            {
                // BIP385: raw() is top level only.
                if (!RequireTop(ctx, where, "BIP385", start))
                {
                    return null;
                }

                var at = _pos;
                var hex = ReadArgument();
                if (!Hex.TryParse(hex, out var bytes, out var hexError))
                {
                    return Fail<Descriptor>(DescriptorErrorKind.InvalidArgument, at + hexError.Position, "raw(): argument is not valid hex (BIP385)");
                }

                result = new RawDescriptor(DescriptorType.Raw, bytes, null);
                break;
            }

            case "addr":
            {
                // BIP385: addr() is top level only.
                if (!RequireTop(ctx, where, "BIP385", start))
                {
                    return null;
                }

                var at = _pos;
                var text = ReadArgument();
                if (!Address.TryParse(text, out var address, out var addressError))
                {
                    return Fail<Descriptor>(DescriptorErrorKind.InvalidArgument, at + (addressError.Position ?? 0), $"addr(): {addressError.Message} (BIP385)");
                }

                result = new RawDescriptor(DescriptorType.Addr, address.ScriptPubKeyBytes.ToArray(), text);
                break;
            }

            case "musig":
                return Fail<Descriptor>(DescriptorErrorKind.WrongContext, start, "musig() is a key expression; it is only allowed as a key inside tr() or rawtr() (BIP390)");
            default:
                _pos = start;
                return RefuseMiniscriptOutsideWshAndTr(start)
                    ? Fail<Descriptor>(DescriptorErrorKind.UnknownFunction, start, $"unknown function '{Shorten(name)}()' at position {start}")
                    : null;
        }

        return result is not null && Expect(')', where) ? result : null;
    }

    private static string CtxName(ScriptCtx ctx) => ctx switch
    {
        ScriptCtx.P2sh => "sh()",
        ScriptCtx.P2wsh => "wsh()",
        ScriptCtx.P2tr => "tr()",
        _ => "top level",
    };

    private bool RequireTop(ScriptCtx ctx, string where, string bip, int start) =>
        ctx == ScriptCtx.Top || Fail(DescriptorErrorKind.WrongContext, start, $"{where} is only allowed at top level, not inside {CtxName(ctx)} ({bip})");

    private bool CheckSize(Descriptor d, string where, int max, string rule, int start)
    {
        // Size checks only for fixed (non-ranged) keys; ranged keys are all compressed so the size is the same.
        if (d.IsMultipath)
        {
            d = d.SelectPath(0);
        }

        // Keys that cannot be derived without a private key (hardened steps below an xpub) are reported
        // when deriving; their script cannot be built here, so there is no size to check.
        if (!d.CanDeriveWithoutPrivateKeys)
        {
            return true;
        }

        var size = ((WrapperDescriptor)d).Inner.BuildScript(0, false).Length;
        return size <= max || Fail(DescriptorErrorKind.ScriptTooLarge, start, $"{where}: script is {size} bytes; {rule}");
    }

    private Descriptor? ParseMulti(DescriptorType type, string where, ScriptCtx ctx)
    {
        var thresholdAt = _pos;
        var thresholdText = ReadArgument();
        if (thresholdText.Length == 0 || thresholdText.Length > 9 || !thresholdText.All(char.IsAsciiDigit))
        {
            return Fail<Descriptor>(DescriptorErrorKind.Threshold, thresholdAt, $"{where}: threshold '{Shorten(thresholdText)}' is not a number (BIP383)");
        }

        var threshold = int.Parse(thresholdText, System.Globalization.CultureInfo.InvariantCulture);
        var keys = new List<KeyExpression>();
        var keyCtx = ctx switch
        {
            ScriptCtx.P2tr => KeyCtx.Taproot,
            ScriptCtx.P2wsh => KeyCtx.Witness,
            _ => KeyCtx.Legacy,
        };
        while (TryConsume(','))
        {
            var at = _pos;
            var key = ParseKey(ReadArgument(), at, $"{where} key {keys.Count + 1}", keyCtx);
            if (key is null)
            {
                return null;
            }

            keys.Add(key);
        }

        var isMultiA = type is DescriptorType.MultiA or DescriptorType.SortedMultiA;
        if (keys.Count == 0)
        {
            return Fail<Descriptor>(DescriptorErrorKind.Threshold, _pos, $"{where}: needs at least one key");
        }

        // BIP383/BIP387: 1 <= k <= n.
        if (threshold < 1)
        {
            return Fail<Descriptor>(DescriptorErrorKind.Threshold, thresholdAt, $"{where}: threshold must be at least 1, got {threshold}");
        }

        if (threshold > keys.Count)
        {
            return Fail<Descriptor>(DescriptorErrorKind.Threshold, thresholdAt, $"{where}: threshold {threshold} is larger than the number of keys ({keys.Count})");
        }

        if (isMultiA)
        {
            if (keys.Count > ConsensusLimits.MaxPubKeysPerMultiA)
            {
                return Fail<Descriptor>(DescriptorErrorKind.TooManyKeys, thresholdAt, $"{where}: {keys.Count} keys; at most {ConsensusLimits.MaxPubKeysPerMultiA} (BIP387)");
            }
        }
        else
        {
            // Core interpreter.cpp MAX_PUBKEYS_PER_MULTISIG = 20.
            if (keys.Count > ConsensusLimits.MaxPubKeysPerMultisig)
            {
                return Fail<Descriptor>(DescriptorErrorKind.TooManyKeys, thresholdAt, $"{where}: {keys.Count} keys; at most {ConsensusLimits.MaxPubKeysPerMultisig} (BIP383)");
            }

            // BIP383: bare multi() at top level is limited to 3 keys (Core IsStandard).
            if (ctx == ScriptCtx.Top && keys.Count > PolicyLimits.MaxBareMultisigKeys)
            {
                return Fail<Descriptor>(DescriptorErrorKind.TooManyKeys, thresholdAt, $"{where}: {keys.Count} keys in bare multisig; at most 3 at top level (BIP383)");
            }

            // BIP383: sh(multi()) is limited by the 520-byte redeem script, i.e. 15 compressed keys.
            if (ctx == ScriptCtx.P2sh && keys.Count > PolicyLimits.MaxP2shMultisigKeys)
            {
                return Fail<Descriptor>(DescriptorErrorKind.TooManyKeys, thresholdAt, $"{where}: {keys.Count} keys in P2SH multisig; at most 15 (BIP383, 520-byte redeem script)");
            }
        }

        return new MultisigDescriptor(type, threshold, [.. keys]);
    }

    private Descriptor? ParseTr()
    {
        var key = ParseKeyArgument("tr()", KeyCtx.Taproot, allowMusig: true);
        if (key is null)
        {
            return null;
        }

        TapTreeNode? tree = null;
        if (TryConsume(','))
        {
            tree = ParseTree(0);
            if (tree is null)
            {
                return null;
            }
        }

        return new TaprootDescriptor(DescriptorType.Tr, key, tree);
    }

    private TapTreeNode? ParseTree(int depth)
    {
        // BIP341: the control block holds at most 128 path hashes.
        if (depth > ConsensusLimits.TaprootControlMaxNodeCount)
        {
            return Fail<TapTreeNode>(DescriptorErrorKind.TreeTooDeep, _pos, "tr(): script tree is deeper than 128 levels (BIP341)");
        }

        if (TryConsume('{'))
        {
            var left = ParseTree(depth + 1);
            if (left is null || !Expect(',', "tr() script tree"))
            {
                return null;
            }

            var right = ParseTree(depth + 1);
            return right is not null && Expect('}', "tr() script tree") ? new TapTreeNode(left, right) : null;
        }

        var leaf = ParseScript(ScriptCtx.P2tr);
        return leaf is null ? null : new TapTreeNode(leaf);
    }

    private KeyExpression? ParseKeyArgument(string where, KeyCtx ctx, bool allowMusig)
    {
        var start = _pos;
        var text = ReadArgument();
        if (text.StartsWith("musig(", StringComparison.Ordinal))
        {
            if (!allowMusig)
            {
                return Fail<KeyExpression>(DescriptorErrorKind.WrongContext, start, $"{where}: musig() is only allowed in tr() and rawtr() (BIP390)");
            }

            _pos = start;
            return ParseMusig(where);
        }

        if (text.Contains('(', StringComparison.Ordinal))
        {
            return Fail<KeyExpression>(DescriptorErrorKind.WrongContext, start, $"{where} only accepts a key expression, not a script");
        }

        return ParseKey(text, start, where, ctx);
    }

    private MusigKeyExpression? ParseMusig(string where)
    {
        var start = _pos;
        _pos += "musig(".Length;
        var participants = new List<KeyExpression>();
        do
        {
            var at = _pos;
            var arg = ReadArgument();
            if (arg.StartsWith("musig(", StringComparison.Ordinal))
            {
                return Fail<MusigKeyExpression>(DescriptorErrorKind.Musig, at, $"{where}: musig() cannot be nested (BIP390)");
            }

            var participant = ParseKey(arg, at, $"{where} musig() participant {participants.Count + 1}", KeyCtx.MusigParticipant);
            if (participant is null)
            {
                return null;
            }

            participants.Add(participant);
        }
        while (TryConsume(','));
        if (!Expect(')', "musig()"))
        {
            return null;
        }

        var pathAt = _pos;
        var pathText = ReadArgument();
        if (pathText.Length > 0 && pathText[0] != '/')
        {
            return Fail<MusigKeyExpression>(DescriptorErrorKind.Musig, pathAt, $"{where}: unexpected '{Shorten(pathText)}' after musig()");
        }

        var parsed = ParsePath(pathText.Length == 0 ? [] : pathText[1..].Split('/'), $"{where} musig()", DescriptorKeyGrammar, origin: false, pathAt);
        if (parsed is null)
        {
            return null;
        }

        PathStep[] path = [.. parsed.Steps.Select(s => new PathStep(s))];
        var derive = ToDeriveType(parsed.Wildcard);
        var hasDerivation = path.Length > 0 || derive != DeriveType.None;
        if (hasDerivation)
        {
            // BIP390: derivation after musig() is unhardened only, from the BIP328 synthetic xpub.
            if (path.Any(s => s.Alternatives.Any(KeyPath.IsHardened)))
            {
                return Fail<MusigKeyExpression>(DescriptorErrorKind.Musig, pathAt, $"{where}: musig() cannot have hardened derivation steps (BIP390)");
            }

            if (derive == DeriveType.Hardened)
            {
                return Fail<MusigKeyExpression>(DescriptorErrorKind.Musig, pathAt, $"{where}: musig() cannot have hardened child derivation (BIP390)");
            }

            if (participants.Any(p => p is not ExtendedKeyExpression))
            {
                return Fail<MusigKeyExpression>(DescriptorErrorKind.Musig, start, $"{where}: musig() with derivation requires all participants to be extended keys (BIP390)");
            }

            if (participants.Any(p => p.IsRange))
            {
                return Fail<MusigKeyExpression>(DescriptorErrorKind.Musig, start, $"{where}: musig() participants cannot have child derivation (/*) when musig() has derivation steps (BIP390)");
            }

            if (path.Any(s => s.IsMultipath) && participants.Any(p => p.MultipathCount > 1))
            {
                return Fail<MusigKeyExpression>(DescriptorErrorKind.Musig, start, $"{where}: musig() participants cannot be multipath when musig() is multipath (BIP390)");
            }
        }

        return new MusigKeyExpression([.. participants], path, derive);
    }

    /// <summary>Parses one key expression; <paramref name="at"/> is where <paramref name="text"/> starts in the descriptor (null when not known).</summary>
    private KeyExpression? ParseKey(string text, int? at, string where, KeyCtx ctx)
    {
        if (text.Length == 0)
        {
            return Fail<KeyExpression>(DescriptorErrorKind.InvalidKey, at, $"{where}: key expression is empty");
        }

        RootedKeyPath? origin = null;
        var apostrophe = false;
        var rest = text;
        var keyAt = at;
        if (text[0] == '[')
        {
            var close = text.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                return Fail<KeyExpression>(DescriptorErrorKind.KeyOrigin, at, $"{where}: key origin '[' has no closing ']' (BIP380)");
            }

            var originParts = text[1..close].Split('/');
            if (originParts[0].Length != 8 || !originParts[0].All(Hex.IsHexDigit))
            {
                return Fail<KeyExpression>(DescriptorErrorKind.KeyOrigin, at + 1, $"{where}: key origin fingerprint must be exactly 8 hex characters, got {originParts[0].Length} (BIP380)");
            }

            // BIP380: the origin path is plain steps; BIP389 multipath and '*' belong after the key only.
            var originPath = ParsePath(originParts.AsSpan(1), where, KeyPathGrammar.Bip380, origin: true, at + 1 + originParts[0].Length + 1);
            if (originPath is null)
            {
                return null;
            }

            apostrophe = originPath.UsedApostrophe;
            origin = new RootedKeyPath(KeyFingerprint.Parse(originParts[0]), new KeyPath([.. originPath.Steps.Select(s => s[0])]));
            rest = text[(close + 1)..];
            keyAt = at + close + 1;
            if (rest.Length == 0)
            {
                return Fail<KeyExpression>(DescriptorErrorKind.KeyOrigin, keyAt, $"{where}: key origin is not followed by a key (BIP380)");
            }
        }

        if (rest.Contains('[', StringComparison.Ordinal) || rest.Contains(']', StringComparison.Ordinal))
        {
            return Fail<KeyExpression>(DescriptorErrorKind.KeyOrigin, keyAt + rest.IndexOfAny(['[', ']']), $"{where}: misplaced '[' or ']'; a key has at most one origin and it comes first (BIP380)");
        }

        var parts = rest.Split('/');
        var keyText = parts[0];
        var pathParts = parts.AsSpan(1);
        var pathAt = keyAt + keyText.Length + 1;

        // Hex public keys: 33/65-byte SEC1 or (inside tr) 32-byte x-only.
        if (keyText.All(Hex.IsHexDigit) && keyText.Length is 64 or 66 or 130)
        {
            if (!RequireNoPath(pathParts, where, pathAt))
            {
                return null;
            }

            var bytes = Convert.FromHexString(keyText);
            if (bytes.Length == 32)
            {
                // BIP386: x-only keys are only valid inside tr()/rawtr().
                if (ctx != KeyCtx.Taproot)
                {
                    return Fail<KeyExpression>(DescriptorErrorKind.WrongContext, keyAt, $"{where}: x-only (32-byte) keys are only allowed inside tr() (BIP386)");
                }

                if (!XOnlyPublicKey.TryParse(bytes, out var xonly))
                {
                    return Fail<KeyExpression>(DescriptorErrorKind.InvalidKey, keyAt, $"{where}: x-only key is not a valid secp256k1 x coordinate");
                }

                return new ConstKeyExpression(origin, apostrophe, xonly.ToPublicKey(), true, true, null, null);
            }

            if (!PublicKey.TryParse(bytes, out var pub) || (bytes.Length == 65 && bytes[0] != 0x04) || (bytes.Length == 33 && bytes[0] is not (0x02 or 0x03)))
            {
                return Fail<KeyExpression>(DescriptorErrorKind.InvalidKey, keyAt, $"{where}: hex key is not a valid public key");
            }

            return CheckCompression(bytes.Length == 33, where, ctx, keyAt)
                ? new ConstKeyExpression(origin, apostrophe, pub, bytes.Length == 33, false, null, null)
                : null;
        }

        if (Wif.TryParse(keyText, null, out var wif, out _))
        {
            // Core key_io.cpp DecodeSecret: the version byte must be the chain's SECRET_KEY prefix,
            // else ParsePubkeyInner fails with "key '...' is not valid". The key itself is never echoed.
            if (!wif.IsFor(_network))
            {
                var prefix = wif.Prefix;
                wif.Dispose();
                return Fail<KeyExpression>(DescriptorErrorKind.WrongNetwork, keyAt, $"{where}: WIF private key at position {_pos - text.Length} is for {NetworkFamily(prefix == Network.Mainnet.SecretKeyPrefix)} (version byte 0x{prefix:x2}), " +
                    $"but the descriptor is parsed for {_network.Name}, whose WIF version byte is 0x{_network.SecretKeyPrefix:x2}");
            }

            if (pathParts.Length > 0)
            {
                wif.Dispose();
                return Fail<KeyExpression>(DescriptorErrorKind.DerivationPath, pathAt, $"{where}: WIF private keys cannot have a derivation path (BIP380)");
            }

            if (!wif.IsCompressed && ctx != KeyCtx.Legacy)
            {
                wif.Dispose();
                _ = CheckCompression(false, where, ctx, keyAt);
                return null;
            }

            // Core ParsePubkeyInner: a WIF key inside tr() is an x-only key (ConstPubkeyProvider xonly), printed as 32 bytes.
            return new ConstKeyExpression(origin, apostrophe, wif.PrivateKey.PublicKey, wif.IsCompressed, ctx == KeyCtx.Taproot, wif, _network);
        }

        ExtPubKey? extPub = null;
        ExtKey? extPriv = null;
        ExtKeyVersion? version;
        if (ExtPubKey.TryParse(keyText, out extPub, out version, out _))
        {
        }
        else if (ExtKey.TryParse(keyText, out extPriv, out version, out _))
        {
            extPub = extPriv.Neuter();
        }
        else
        {
            return Fail<KeyExpression>(DescriptorErrorKind.InvalidKey, keyAt, $"{where}: not a valid hex public key, WIF private key or extended key ({keyText.Length} characters) (BIP380)");
        }

        if (version.ScriptType != ExtKeyScriptType.Generic)
        {
            extPriv?.Dispose();
            return Fail<KeyExpression>(DescriptorErrorKind.InvalidKey, keyAt, $"{where}: only xpub/xprv/tpub/tprv extended keys are allowed, not {version.Prefix} (BIP380)");
        }

        // Core key_io.cpp DecodeExtPubKey/DecodeExtKey: the version must be the chain's EXT_PUBLIC_KEY or
        // EXT_SECRET_KEY prefix (xpub/xprv on mainnet, tpub/tprv on the test networks), else ParsePubkeyInner
        // fails with "key '...' is not valid". Only the prefix is named: an xprv is secret.
        ExtKeyVersion expected = ExtKeyVersion.For(_network, version.IsPrivate);
        if (version.IsMainnet != expected.IsMainnet)
        {
            extPriv?.Dispose();
            return Fail<KeyExpression>(DescriptorErrorKind.WrongNetwork, keyAt, $"{where}: extended key at position {_pos - text.Length} ({version.Prefix}) is for {NetworkFamily(version.IsMainnet)}, " +
                $"but the descriptor is parsed for {_network.Name}, which uses {expected.Prefix}");
        }

        var parsed = ParsePath(pathParts, where, DescriptorKeyGrammar, origin: false, pathAt);
        if (parsed is null)
        {
            extPriv?.Dispose();
            return null;
        }

        return new ExtendedKeyExpression(origin, apostrophe || parsed.UsedApostrophe, extPub, extPriv, version,
            [.. parsed.Steps.Select(s => new PathStep(s))], ToDeriveType(parsed.Wildcard));
    }

    /// <summary>Which chains a key's version belongs to, for the wrong-network errors (the test networks share versions).</summary>
    private static string NetworkFamily(bool mainnet) => mainnet ? "mainnet" : "the test networks (testnet, testnet4, signet, regtest)";

    private bool RequireNoPath(ReadOnlySpan<string> pathParts, string where, int? pathAt) =>
        pathParts.Length == 0 || Fail(DescriptorErrorKind.DerivationPath, pathAt, $"{where}: only extended keys can have a derivation path (BIP380)");

    private bool CheckCompression(bool compressed, string where, KeyCtx ctx, int? keyAt)
    {
        // BIP382/BIP386/BIP390: segwit and taproot only allow compressed keys.
        if (compressed || ctx == KeyCtx.Legacy)
        {
            return true;
        }

        var rule = ctx switch
        {
            KeyCtx.Taproot => "tr() (BIP386)",
            KeyCtx.MusigParticipant => "musig() (BIP390)",
            _ => "segwit wpkh()/wsh() (BIP382)",
        };
        return Fail(DescriptorErrorKind.UncompressedKey, keyAt, $"{where}: uncompressed keys are not allowed in {rule}");
    }

    // BIP380 steps after a key, plus the trailing wildcard (BIP380) and one multipath step (BIP389).
    private const KeyPathGrammar DescriptorKeyGrammar = KeyPathGrammar.Wildcard | KeyPathGrammar.Multipath;

    private static DeriveType ToDeriveType(KeyPathWildcard wildcard) => wildcard switch
    {
        KeyPathWildcard.Unhardened => DeriveType.Unhardened,
        KeyPathWildcard.Hardened => DeriveType.Hardened,
        _ => DeriveType.None,
    };

    /// <summary>
    /// Parses path steps with the shared <see cref="KeyPathSyntax"/> and words its errors for descriptors;
    /// <paramref name="pathAt"/> is where the first step starts in the descriptor (null when not known).
    /// </summary>
    private ParsedKeyPath? ParsePath(ReadOnlySpan<string> parts, string where, KeyPathGrammar grammar, bool origin, int? pathAt)
    {
        if (KeyPathSyntax.TryParseSteps(parts, grammar, out var path, out var e))
        {
            return path;
        }

        // KeyPathError.Step is 1-based: the offending step starts after the earlier steps and their '/'.
        int? stepAt = pathAt;
        for (var i = 0; stepAt is not null && i < e.Step - 1 && i < parts.Length; i++)
        {
            stepAt += parts[i].Length + 1;
        }

        var at = origin ? where + " key origin" : where;
        var kind = origin ? DescriptorErrorKind.KeyOrigin : DescriptorErrorKind.DerivationPath;
        return e.Kind switch
        {
            KeyPathErrorKind.EmptyStep => Fail<ParsedKeyPath>(kind, stepAt, $"{at}: empty derivation step (stray '/') (BIP380)"),
            KeyPathErrorKind.NotANumber => Fail<ParsedKeyPath>(kind, stepAt, $"{at}: derivation step '{Shorten(e.Token)}' is not a number with optional ' or h (BIP380)"),
            KeyPathErrorKind.OutOfRange => Fail<ParsedKeyPath>(kind, stepAt, $"{at}: derivation index {Shorten(e.Token.TrimEnd('\'', 'h'))} is out of range (must be below 2^31) (BIP380)"),
            KeyPathErrorKind.WildcardNotLast => Fail<ParsedKeyPath>(kind, stepAt, $"{where}: '*' must be the last derivation step (BIP380)"),
            KeyPathErrorKind.WildcardNotAllowed => Fail<ParsedKeyPath>(kind, stepAt, $"{where}: '*' is not allowed in the key origin (BIP380)"),
            KeyPathErrorKind.MultipathNotAllowed => Fail<ParsedKeyPath>(kind, stepAt, $"{where}: multipath specifiers are not allowed in the key origin (BIP389)"),
            KeyPathErrorKind.MultipathMalformed => Fail<ParsedKeyPath>(DescriptorErrorKind.Multipath, stepAt, $"{where}: multipath specifier '{Shorten(e.Token)}' must be of the form <a;b;...> (BIP389)"),
            KeyPathErrorKind.MultipathRepeated => Fail<ParsedKeyPath>(DescriptorErrorKind.Multipath, stepAt, $"{where}: more than one multipath specifier (BIP389)"),
            KeyPathErrorKind.MultipathTooFew => Fail<ParsedKeyPath>(DescriptorErrorKind.Multipath, stepAt, $"{where}: multipath specifier needs at least two indexes (BIP389)"),
            KeyPathErrorKind.MultipathEmptyIndex => Fail<ParsedKeyPath>(DescriptorErrorKind.Multipath, stepAt, $"{where}: multipath specifier has an empty index (BIP389)"),
            _ => Fail<ParsedKeyPath>(DescriptorErrorKind.Multipath, stepAt, $"{where}: multipath specifier repeats an index (BIP389)"),
        };
    }

    private static string Shorten(string text) => text.Length <= 24 ? text : text[..21] + "...";
}
