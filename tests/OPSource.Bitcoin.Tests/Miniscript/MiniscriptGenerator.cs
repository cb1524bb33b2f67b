using OPSource.Bitcoin.Miniscript;
using OPSource.Crypto;

namespace OPSource.Bitcoin.Tests.MiniscriptTests;

/// <summary>
/// Random well-typed miniscripts (type-directed: each fragment is built from children of the basic
/// types it needs, then kept only if it type-checks), over named keys "K0", "K1", ... each used once,
/// hash challenges with known preimages and block-height timelocks (or, when asked, time locks).
/// <see cref="NextSane"/> keeps drawing until the expression is sane and satisfiable, which is what
/// Core accepts in a descriptor.
/// </summary>
internal sealed class MiniscriptGenerator(Random rng, MiniscriptContext context, int maxKeys = 12, bool timeLocks = false, uint maxAfterHeight = 100, uint maxOlder = 10, Func<Random, byte[]>? preimages = null)
{
    private int _keys;

    public Dictionary<string, byte[]> Preimages { get; } = new(StringComparer.Ordinal);

    private IEqualityComparer<string> Comparer => StringComparer.Ordinal;

    /// <summary>A sane, satisfiable miniscript of at most <paramref name="maxDepth"/> levels.</summary>
    public MiniscriptNode<string> NextSane(int maxDepth = 4, int attempts = 2000)
    {
        for (var i = 0; i < attempts; i++)
        {
            _keys = 0;
            var node = Gen('B', rng.Next(1, maxDepth + 1));
            if (node is { IsSane: true, IsNotSatisfiable: false })
            {
                return node;
            }
        }

        throw new InvalidOperationException("no sane miniscript generated");
    }

    /// <summary>A valid (type-checking) top-level miniscript that may be insane.</summary>
    public MiniscriptNode<string> NextValid(int maxDepth = 4)
    {
        while (true)
        {
            _keys = 0;
            var node = Gen('B', rng.Next(1, maxDepth + 1));
            if (node is { IsValidTopLevel: true })
            {
                return node;
            }
        }
    }

    private string Key() => _keys < maxKeys ? $"K{_keys++}" : throw new KeyExhausted();

    private sealed class KeyExhausted : Exception;

    private MiniscriptNode<string> Leaf(Fragment f, uint k = 0) => MiniscriptNode<string>.Create(context, f, k: k, keyComparer: Comparer);

    private MiniscriptNode<string> Wrap(Fragment f, params MiniscriptNode<string>[] subs) => MiniscriptNode<string>.Create(context, f, subs, keyComparer: Comparer);

    private MiniscriptNode<string>? Gen(char basic, int depth)
    {
        try
        {
            for (var attempt = 0; attempt < 20; attempt++)
            {
                var saved = _keys;
                var node = Try(basic, depth);
                if (node is not null && node.Type.IsValid && node.Type.BasicType == basic && node.ScriptSize <= MiniscriptLimits.MaxScriptSize(context))
                {
                    return node;
                }

                _keys = saved;
            }

            return null;
        }
        catch (KeyExhausted)
        {
            return null;
        }
    }

    private MiniscriptNode<string>? Try(char basic, int depth)
    {
        var leaf = depth <= 1;
        switch (basic)
        {
            case 'B':
            {
                var choice = rng.Next(leaf ? 6 : 20);
                switch (choice)
                {
                    case 0 or 1:
                        return Wrap(Fragment.WrapC, MiniscriptNode<string>.Create(context, Fragment.PkK, keys: [Key()], keyComparer: Comparer));
                    case 2:
                        return Wrap(Fragment.WrapC, MiniscriptNode<string>.Create(context, Fragment.PkH, keys: [Key()], keyComparer: Comparer));
                    case 3:
                    {
                        var n = rng.Next(1, 4);
                        var keys = Enumerable.Range(0, n).Select(_ => Key()).ToArray();
                        return MiniscriptNode<string>.Create(context, context == MiniscriptContext.Tapscript ? Fragment.MultiA : Fragment.Multi, keys: keys, k: (uint)rng.Next(1, n + 1), keyComparer: Comparer);
                    }

                    case 4:
                        return rng.Next(2) == 0 ? Older() : After();
                    case 5:
                        return Hash();
                    case 6:
                        return Sub(Fragment.AndV, ('V', 'B'), depth);
                    case 7:
                        return Sub(Fragment.AndB, ('B', 'W'), depth);
                    case 8:
                        return Sub(Fragment.OrB, ('B', 'W'), depth);
                    case 9:
                        return Sub(Fragment.OrD, ('B', 'B'), depth);
                    case 10:
                        return Sub(Fragment.OrI, ('B', 'B'), depth);
                    case 11:
                        return Gen('B', depth - 1) is { } a && Gen('B', depth - 1) is { } b && Gen('B', depth - 1) is { } c ? Wrap(Fragment.AndOr, a, b, c) : null;
                    case 12:
                    {
                        var n = rng.Next(2, 5);
                        var subs = new List<MiniscriptNode<string>>();
                        for (var i = 0; i < n; i++)
                        {
                            if (Gen(i == 0 ? 'B' : 'W', depth - 1) is not { } s)
                            {
                                return null;
                            }

                            subs.Add(s);
                        }

                        return MiniscriptNode<string>.Create(context, Fragment.Thresh, subs, k: (uint)rng.Next(1, n + 1), keyComparer: Comparer);
                    }

                    case 13:
                        return Gen('B', depth - 1) is { } j ? Wrap(Fragment.WrapJ, j) : null;
                    case 14:
                        return Gen('B', depth - 1) is { } nz ? Wrap(Fragment.WrapN, nz) : null;
                    case 15:
                        return Gen('V', depth - 1) is { } d ? Wrap(Fragment.WrapD, d) : null;
                    case 16:
                        return Gen('V', depth - 1) is { } t ? Wrap(Fragment.AndV, t, Leaf(Fragment.Just1)) : null;
                    case 17:
                        return Gen('B', depth - 1) is { } l ? Wrap(Fragment.OrI, Leaf(Fragment.Just0), l) : null;
                    case 18:
                        return Gen('B', depth - 1) is { } u ? Wrap(Fragment.OrI, u, Leaf(Fragment.Just0)) : null;
                    default:
                        return Gen('K', depth - 1) is { } k ? Wrap(Fragment.WrapC, k) : null;
                }
            }

            case 'V':
                return rng.Next(leaf ? 1 : 5) switch
                {
                    0 => Gen('B', depth) is { } v ? Wrap(Fragment.WrapV, v) : null,
                    1 => Sub(Fragment.AndV, ('V', 'V'), depth),
                    2 => Sub(Fragment.OrC, ('B', 'V'), depth),
                    3 => Sub(Fragment.OrI, ('V', 'V'), depth),
                    _ => Gen('B', depth - 1) is { } a && Gen('V', depth - 1) is { } b && Gen('V', depth - 1) is { } c ? Wrap(Fragment.AndOr, a, b, c) : null,
                };
            case 'W':
                return rng.Next(2) == 0
                    ? Gen('B', depth) is { } sw ? Wrap(Fragment.WrapS, sw) : null
                    : Gen('B', depth) is { } a2 ? Wrap(Fragment.WrapA, a2) : null;
            default:
                return rng.Next(leaf ? 2 : 4) switch
                {
                    0 => MiniscriptNode<string>.Create(context, Fragment.PkK, keys: [Key()], keyComparer: Comparer),
                    1 => MiniscriptNode<string>.Create(context, Fragment.PkH, keys: [Key()], keyComparer: Comparer),
                    2 => Sub(Fragment.AndV, ('V', 'K'), depth),
                    _ => Sub(Fragment.OrI, ('K', 'K'), depth),
                };
        }
    }

    private MiniscriptNode<string>? Sub(Fragment fragment, (char X, char Y) types, int depth) =>
        Gen(types.X, depth - 1) is { } x && Gen(types.Y, depth - 1) is { } y ? Wrap(fragment, x, y) : null;

    private MiniscriptNode<string> Older() =>
        timeLocks && rng.Next(2) == 0
            ? Leaf(Fragment.Older, MiniscriptLimits.SequenceLockTimeTypeFlag | (uint)rng.Next(1, 100))
            : Leaf(Fragment.Older, (uint)rng.Next(1, (int)maxOlder + 1));

    private MiniscriptNode<string> After() =>
        timeLocks && rng.Next(2) == 0
            ? Leaf(Fragment.After, (uint)rng.Next(500_000_000, 600_000_000))
            : Leaf(Fragment.After, (uint)rng.Next(1, (int)maxAfterHeight + 1));

    private MiniscriptNode<string> Hash()
    {
        var preimage = preimages?.Invoke(rng) ?? new byte[32];
        if (preimages is null)
        {
            rng.NextBytes(preimage);
        }
        var kind = rng.Next(4);
        var hash = new byte[kind < 2 ? 32 : 20];
        switch (kind)
        {
            case 0: Hashes.Sha256(preimage, hash); break;
            case 1: Hashes.Hash256(preimage, hash); break;
            case 2: Hashes.Ripemd160(preimage, hash); break;
            default: Hashes.Hash160(preimage, hash); break;
        }

        Preimages[Convert.ToHexStringLower(hash)] = preimage;
        var fragment = kind switch { 0 => Fragment.Sha256, 1 => Fragment.Hash256, 2 => Fragment.Ripemd160, _ => Fragment.Hash160 };
        return MiniscriptNode<string>.Create(context, fragment, data: hash, keyComparer: Comparer);
    }
}
