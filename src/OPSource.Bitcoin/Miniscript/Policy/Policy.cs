using System.Globalization;
using System.Text;
using OPSource.Bitcoin.Encoding;

namespace OPSource.Bitcoin.Miniscript.Policy;

/// <summary>The kinds of policy expressions (the policy language of sipa's miniscript site and rust-miniscript).</summary>
public enum PolicyKind
{
    /// <summary><c>UNSATISFIABLE</c>.</summary>
    Unsatisfiable,

    /// <summary><c>TRIVIAL</c>.</summary>
    Trivial,

    /// <summary><c>pk(KEY)</c>: a signature by the key.</summary>
    Key,

    /// <summary><c>after(n)</c>: BIP65 absolute timelock.</summary>
    After,

    /// <summary><c>older(n)</c>: BIP112 relative timelock.</summary>
    Older,

    /// <summary><c>sha256(H)</c>: a preimage of the SHA256 hash.</summary>
    Sha256,

    /// <summary><c>hash256(H)</c>: a preimage of the double SHA256 hash.</summary>
    Hash256,

    /// <summary><c>ripemd160(H)</c>: a preimage of the RIPEMD160 hash.</summary>
    Ripemd160,

    /// <summary><c>hash160(H)</c>: a preimage of the HASH160 hash.</summary>
    Hash160,

    /// <summary><c>and(X,Y)</c>: both.</summary>
    And,

    /// <summary><c>or([N@]X,[M@]Y)</c>: either, with relative probabilities N and M (default 1).</summary>
    Or,

    /// <summary><c>thresh(k,X1,...,Xn)</c>: k of the n.</summary>
    Thresh,
}

/// <summary>
/// An immutable spending policy over keys of type <typeparamref name="TKey"/>: what has to be true
/// to spend, with branch probabilities on <c>or</c> for the compiler. <c>and</c> and <c>or</c> are
/// binary (rust-miniscript); the parser also accepts sipa's n-ary forms and nests them.
/// </summary>
/// <typeparam name="TKey">The key type.</typeparam>
public sealed class Policy<TKey>
    where TKey : notnull
{
    private static readonly Policy<TKey>[] NoSubs = [];

    private readonly Policy<TKey>[] _subs;
    private readonly uint[] _weights;
    private readonly byte[] _hash;

    private Policy(PolicyKind kind, TKey? key, uint value, byte[] hash, Policy<TKey>[] subs, uint[] weights)
    {
        Kind = kind;
        Key = key;
        Value = value;
        _hash = hash;
        _subs = subs;
        _weights = weights;
    }

    /// <summary>The expression kind.</summary>
    public PolicyKind Kind { get; }

    /// <summary>The key of <c>pk()</c>.</summary>
    public TKey? Key { get; }

    /// <summary>The timelock of after/older, or the threshold k of thresh.</summary>
    public uint Value { get; }

    /// <summary>The hash of the hash policies.</summary>
    public ReadOnlyMemory<byte> Hash => _hash;

    /// <summary>The sub-policies of and/or/thresh.</summary>
    public IReadOnlyList<Policy<TKey>> Subs => _subs;

    /// <summary>The relative probabilities of an or's branches (1 when not written).</summary>
    public IReadOnlyList<uint> Weights => _weights;

    /// <summary><c>UNSATISFIABLE</c>.</summary>
    public static Policy<TKey> Unsatisfiable { get; } = new(PolicyKind.Unsatisfiable, default, 0, [], NoSubs, []);

    /// <summary><c>TRIVIAL</c>.</summary>
    public static Policy<TKey> Trivial { get; } = new(PolicyKind.Trivial, default, 0, [], NoSubs, []);

    /// <summary><c>pk(KEY)</c>.</summary>
    public static Policy<TKey> ForKey(TKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return new(PolicyKind.Key, key, 0, [], NoSubs, []);
    }

    /// <summary><c>after(n)</c> (1 &lt;= n &lt; 2^31).</summary>
    public static Policy<TKey> After(uint n) => new(PolicyKind.After, default, CheckLock(n), [], NoSubs, []);

    /// <summary><c>older(n)</c> (1 &lt;= n &lt; 2^31).</summary>
    public static Policy<TKey> Older(uint n) => new(PolicyKind.Older, default, CheckLock(n), [], NoSubs, []);

    /// <summary>A hash policy (<c>sha256</c>/<c>hash256</c>: 32 bytes; <c>ripemd160</c>/<c>hash160</c>: 20 bytes).</summary>
    public static Policy<TKey> ForHash(PolicyKind kind, ReadOnlySpan<byte> hash)
    {
        var expected = kind switch
        {
            PolicyKind.Sha256 or PolicyKind.Hash256 => 32,
            PolicyKind.Ripemd160 or PolicyKind.Hash160 => 20,
            _ => throw new ArgumentOutOfRangeException(nameof(kind), "policy: not a hash kind"),
        };
        if (hash.Length != expected)
        {
            throw new ArgumentException($"policy: {Name(kind)} takes a {expected}-byte hash", nameof(hash));
        }

        return new(kind, default, 0, hash.ToArray(), NoSubs, []);
    }

    /// <summary><c>and(X,Y)</c>.</summary>
    public static Policy<TKey> And(Policy<TKey> x, Policy<TKey> y)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        return new(PolicyKind.And, default, 0, [], [x, y], []);
    }

    /// <summary><c>or(wx@X,wy@Y)</c> with positive relative probabilities.</summary>
    public static Policy<TKey> Or(uint wx, Policy<TKey> x, uint wy, Policy<TKey> y)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        if (wx == 0 || wy == 0)
        {
            throw new ArgumentException("policy: or() probabilities must be positive");
        }

        return new(PolicyKind.Or, default, 0, [], [x, y], [wx, wy]);
    }

    /// <summary><c>thresh(k,X1,...,Xn)</c> with 1 &lt;= k &lt;= n.</summary>
    public static Policy<TKey> Thresh(uint k, IEnumerable<Policy<TKey>> subs)
    {
        ArgumentNullException.ThrowIfNull(subs);
        var array = subs.ToArray();
        if (array.Length == 0 || k < 1 || k > array.Length)
        {
            throw new ArgumentException($"policy: thresh({k},...) with {array.Length} sub-policies; k must be between 1 and n");
        }

        return new(PolicyKind.Thresh, default, k, [], array, []);
    }

    private static uint CheckLock(uint n) =>
        n is >= 1 and < 0x80000000u ? n : throw new ArgumentOutOfRangeException(nameof(n), "policy: timelocks must be at least 1 and below 2^31");

    internal static string Name(PolicyKind kind) => kind switch
    {
        PolicyKind.Unsatisfiable => "UNSATISFIABLE",
        PolicyKind.Trivial => "TRIVIAL",
        PolicyKind.Key => "pk",
        PolicyKind.After => "after",
        PolicyKind.Older => "older",
        PolicyKind.Sha256 => "sha256",
        PolicyKind.Hash256 => "hash256",
        PolicyKind.Ripemd160 => "ripemd160",
        PolicyKind.Hash160 => "hash160",
        PolicyKind.And => "and",
        PolicyKind.Or => "or",
        _ => "thresh",
    };

    /// <summary>True for thresh with k = n (rust-miniscript Threshold::is_and).</summary>
    internal bool IsAndThresh => Kind == PolicyKind.Thresh && Value == _subs.Length;

    /// <summary>True for thresh with k = 1 (rust-miniscript Threshold::is_or).</summary>
    internal bool IsOrThresh => Kind == PolicyKind.Thresh && Value == 1;

    /// <summary>Every node, parent before children (no recursion).</summary>
    public IEnumerable<Policy<TKey>> Nodes()
    {
        var stack = new Stack<Policy<TKey>>();
        stack.Push(this);
        while (stack.Count > 0)
        {
            var node = stack.Pop();
            yield return node;
            for (var i = node._subs.Length - 1; i >= 0; i--)
            {
                stack.Push(node._subs[i]);
            }
        }
    }

    /// <summary>Every key, in order.</summary>
    public IEnumerable<TKey> Keys() => Nodes().Where(n => n.Kind == PolicyKind.Key).Select(n => n.Key!);

    /// <summary>The same policy with every key mapped.</summary>
    public Policy<TOther> MapKeys<TOther>(Func<TKey, TOther> map)
        where TOther : notnull
    {
        ArgumentNullException.ThrowIfNull(map);
        return Evaluate<Policy<TOther>>((node, subs) => node.Kind switch
        {
            PolicyKind.Unsatisfiable => Policy<TOther>.Unsatisfiable,
            PolicyKind.Trivial => Policy<TOther>.Trivial,
            PolicyKind.Key => Policy<TOther>.ForKey(map(node.Key!)),
            PolicyKind.After => Policy<TOther>.After(node.Value),
            PolicyKind.Older => Policy<TOther>.Older(node.Value),
            PolicyKind.And => Policy<TOther>.And(subs[0], subs[1]),
            PolicyKind.Or => Policy<TOther>.Or(node._weights[0], subs[0], node._weights[1], subs[1]),
            PolicyKind.Thresh => Policy<TOther>.Thresh(node.Value, subs.ToArray()),
            _ => Policy<TOther>.ForHash(node.Kind, node._hash),
        });
    }

    /// <summary>
    /// Whether the policy holds when <paramref name="leafHolds"/> says which leaves (keys, hashes,
    /// timelocks) do: its meaning as a boolean formula.
    /// </summary>
    public bool IsSatisfiedBy(Func<Policy<TKey>, bool> leafHolds)
    {
        ArgumentNullException.ThrowIfNull(leafHolds);
        return Evaluate<bool>((node, subs) => node.Kind switch
        {
            PolicyKind.Trivial => true,
            PolicyKind.Unsatisfiable => false,
            PolicyKind.And => subs[0] && subs[1],
            PolicyKind.Or => subs[0] || subs[1],
            PolicyKind.Thresh => Count(subs) >= node.Value,
            _ => leafHolds(node),
        });

        static uint Count(ReadOnlySpan<bool> values)
        {
            uint n = 0;
            foreach (var v in values)
            {
                n += v ? 1u : 0u;
            }

            return n;
        }
    }

    /// <summary>Bottom-up evaluation without recursion.</summary>
    internal TResult Evaluate<TResult>(Func<Policy<TKey>, ReadOnlySpan<TResult>, TResult> up)
    {
        var stack = new List<(Policy<TKey> Node, int Expanded)> { (this, 0) };
        var results = new List<TResult>();
        while (stack.Count > 0)
        {
            var (node, expanded) = stack[^1];
            if (expanded < node._subs.Length)
            {
                stack[^1] = (node, expanded + 1);
                stack.Add((node._subs[expanded], 0));
                continue;
            }

            var n = node._subs.Length;
            var result = up(node, System.Runtime.InteropServices.CollectionsMarshal.AsSpan(results)[(results.Count - n)..]);
            results.RemoveRange(results.Count - n, n);
            results.Add(result);
            stack.RemoveAt(stack.Count - 1);
        }

        return results[0];
    }

    /// <summary>The policy text, with <paramref name="formatKey"/> writing keys (probabilities written on every or branch).</summary>
    public string ToString(Func<TKey, string> formatKey)
    {
        ArgumentNullException.ThrowIfNull(formatKey);
        return Evaluate<string>((node, subs) => node.Kind switch
        {
            PolicyKind.Unsatisfiable or PolicyKind.Trivial => Name(node.Kind),
            PolicyKind.Key => "pk(" + formatKey(node.Key!) + ")",
            PolicyKind.After or PolicyKind.Older => Name(node.Kind) + "(" + node.Value.ToString(CultureInfo.InvariantCulture) + ")",
            PolicyKind.And => "and(" + subs[0] + "," + subs[1] + ")",
            PolicyKind.Or => "or(" + node._weights[0].ToString(CultureInfo.InvariantCulture) + "@" + subs[0] + "," + node._weights[1].ToString(CultureInfo.InvariantCulture) + "@" + subs[1] + ")",
            PolicyKind.Thresh => "thresh(" + node.Value.ToString(CultureInfo.InvariantCulture) + "," + string.Join(',', subs.ToArray()) + ")",
            _ => Name(node.Kind) + "(" + Hex.Encode(node._hash) + ")",
        });
    }

    /// <inheritdoc />
    public override string ToString() => ToString(k => k.ToString() ?? string.Empty);

    /// <summary>
    /// rust-miniscript is_safe_nonmalleable: whether some compilation needs a signature on every
    /// path (signed) and can always be satisfied without malleability.
    /// </summary>
    internal (bool Signed, bool NonMalleable) SafeNonMalleable() => Evaluate<(bool, bool)>((node, subs) =>
    {
        switch (node.Kind)
        {
            case PolicyKind.Unsatisfiable or PolicyKind.Trivial or PolicyKind.Key:
                return (true, true);
            case PolicyKind.And:
                return (subs[0].Item1 || subs[1].Item1, subs[0].Item2 && subs[1].Item2);
            case PolicyKind.Or:
                return (subs[0].Item1 && subs[1].Item1, (subs[0].Item1 || subs[1].Item1) && subs[0].Item2 && subs[1].Item2);
            case PolicyKind.Thresh:
            {
                var signed = 0;
                var nonMal = 0;
                foreach (var (s, m) in subs)
                {
                    signed += s ? 1 : 0;
                    nonMal += m ? 1 : 0;
                }

                var n = subs.Length;
                var k = (int)node.Value;
                return (signed >= n - k + 1, nonMal == n && signed >= n - k);
            }

            default:
                return (false, true);
        }
    });

    /// <summary>rust-miniscript TimelockInfo: which lock kinds appear and whether one spend path mixes heights and times.</summary>
    internal bool ContainsTimelockCombination()
    {
        var info = Evaluate<(bool CsvHeight, bool CsvTime, bool CltvHeight, bool CltvTime, bool Combination)>((node, subs) =>
        {
            switch (node.Kind)
            {
                case PolicyKind.After:
                    return (false, false, node.Value < MiniscriptLimits.LockTimeThreshold, node.Value >= MiniscriptLimits.LockTimeThreshold, false);
                case PolicyKind.Older:
                    var time = (node.Value & MiniscriptLimits.SequenceLockTimeTypeFlag) != 0;
                    return (!time, time, false, false, false);
                case PolicyKind.And or PolicyKind.Or or PolicyKind.Thresh:
                {
                    var k = node.Kind switch { PolicyKind.And => 2u, PolicyKind.Or => 1u, _ => node.Value };
                    (bool, bool, bool, bool, bool) acc = default;
                    foreach (var t in subs)
                    {
                        // With k > 1 several branches are taken together: a height and a time of the same kind conflict.
                        if (k > 1)
                        {
                            acc.Item5 |= (acc.Item1 && t.CsvTime) || (acc.Item2 && t.CsvHeight) || (acc.Item4 && t.CltvHeight) || (acc.Item3 && t.CltvTime);
                        }

                        acc = (acc.Item1 | t.CsvHeight, acc.Item2 | t.CsvTime, acc.Item3 | t.CltvHeight, acc.Item4 | t.CltvTime, acc.Item5 | t.Combination);
                    }

                    return acc;
                }

                default:
                    return default;
            }
        });
        return info.Combination;
    }

    /// <summary>A structural identity string (keys written by <paramref name="keyId"/>), for caches.</summary>
    internal string StructuralKey(Func<TKey, int> keyId)
    {
        var sb = new StringBuilder();
        foreach (var node in Nodes())
        {
            sb.Append((int)node.Kind).Append(':');
            switch (node.Kind)
            {
                case PolicyKind.Key:
                    sb.Append(keyId(node.Key!));
                    break;
                case PolicyKind.Or:
                    sb.Append(node._weights[0]).Append('@').Append(node._weights[1]);
                    break;
                case PolicyKind.After or PolicyKind.Older or PolicyKind.Thresh:
                    sb.Append(node.Value).Append('/').Append(node._subs.Length);
                    break;
                case PolicyKind.Sha256 or PolicyKind.Hash256 or PolicyKind.Ripemd160 or PolicyKind.Hash160:
                    sb.Append(Hex.Encode(node._hash));
                    break;
            }

            sb.Append(';');
        }

        return sb.ToString();
    }
}
