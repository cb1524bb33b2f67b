namespace OPSource.Bitcoin.Miniscript;

/// <summary>A satisfaction or dissatisfaction witness for a miniscript (Core's InputStack, materialised).</summary>
/// <param name="Availability">Yes when complete, Maybe when it relies on placeholders, No when none exists.</param>
/// <param name="Stack">Witness elements, bottom first (the order of a witness); empty when not available.</param>
/// <param name="IsMalleable">True when a third party could turn it into another valid witness.</param>
/// <param name="HasSignature">True when it contains a signature.</param>
public sealed record MiniscriptWitness(MiniscriptAvailability Availability, IReadOnlyList<byte[]> Stack, bool IsMalleable, bool HasSignature)
{
    /// <summary>Serialized size of the elements (each with its length prefix), not counting the element count, script or control block.</summary>
    public int Size => Stack.Sum(e => Encoding.CompactSize.GetSize((ulong)e.Length) + e.Length);
}

/// <summary>Satisfaction (Core Node::ProduceInput / Satisfy).</summary>
public sealed partial class MiniscriptNode<TKey>
{
    /// <summary>
    /// The witness that satisfies this expression with what <paramref name="satisfier"/> knows,
    /// chosen as Core chooses it: among non-malleable candidates the smallest (preferring available
    /// over placeholder inputs), never one without a signature or a malleable one when
    /// <paramref name="nonMalleable"/> (the default, Core's <c>Satisfy(ctx, stack, true)</c>).
    /// <see cref="MiniscriptWitness.Availability"/> is No when no such witness exists.
    /// </summary>
    public MiniscriptWitness Satisfy(MiniscriptSatisfier<TKey> satisfier, bool nonMalleable = true)
    {
        ArgumentNullException.ThrowIfNull(satisfier);
        var result = ProduceInput(satisfier).Sat;
        if (result.Available == MiniscriptAvailability.No || (nonMalleable && (result.Malleable || !result.HasSig)))
        {
            return new MiniscriptWitness(MiniscriptAvailability.No, [], result.Malleable, result.HasSig);
        }

        return new MiniscriptWitness(result.Available, result.Materialize(), result.Malleable, result.HasSig);
    }

    /// <summary>
    /// The dissatisfaction Core computes for this expression (the witness that makes it evaluate
    /// to false without failing the script), or No when the expression cannot be dissatisfied.
    /// </summary>
    public MiniscriptWitness Dissatisfy(MiniscriptSatisfier<TKey> satisfier)
    {
        ArgumentNullException.ThrowIfNull(satisfier);
        var result = ProduceInput(satisfier).Nsat;
        return result.Available == MiniscriptAvailability.No
            ? new MiniscriptWitness(MiniscriptAvailability.No, [], false, false)
            : new MiniscriptWitness(result.Available, result.Materialize(), result.Malleable, result.HasSig);
    }

    private InputResult ProduceInput(MiniscriptSatisfier<TKey> ctx)
    {
        return Evaluate<InputResult>((node, subs) =>
        {
            var ret = Helper(node, subs, ctx);
            Check(node, ret);
            return ret;
        });
    }

    // Core's per-fragment satisfaction and dissatisfaction rules.
    private static InputResult Helper(MiniscriptNode<TKey> node, ReadOnlySpan<InputResult> subres, MiniscriptSatisfier<TKey> ctx)
    {
        switch (node.Fragment)
        {
            case Fragment.PkK:
            {
                var avail = ctx.Sign(node._keys[0], out var sig);
                return new(InputStack.Zero, InputStack.Of(sig).WithSig().WithAvailability(avail));
            }

            case Fragment.PkH:
            {
                var key = InputStack.Of(ctx.Encoder.ToPushBytes(node._keys[0], node.Context));
                var avail = ctx.Sign(node._keys[0], out var sig);
                return new(InputStack.Zero + key, (InputStack.Of(sig).WithSig() + key).WithAvailability(avail));
            }

            case Fragment.MultiA:
            {
                // sats[j]: the best stack with j signatures among the keys seen so far. The first
                // key's signature must end on top, so keys are visited last to first.
                var sats = new List<InputStack> { InputStack.Empty };
                for (var i = 0; i < node._keys.Length; i++)
                {
                    var avail = ctx.Sign(node._keys[node._keys.Length - 1 - i], out var sig);
                    var sat = InputStack.Of(sig).WithSig().WithAvailability(avail);
                    var next = new List<InputStack>(sats.Count + 1) { sats[0] + InputStack.Zero };
                    for (var j = 1; j < sats.Count; j++)
                    {
                        next.Add((sats[j] + InputStack.Zero) | (sats[j - 1] + sat));
                    }

                    next.Add(sats[^1] + sat);
                    sats = next;
                }

                // The dissatisfaction is an empty vector per key (zero signatures).
                return new(sats[0], sats[(int)node.K]);
            }

            case Fragment.Multi:
            {
                // sats[0] starts as {0}: CHECKMULTISIG pops one element too many.
                var sats = new List<InputStack> { InputStack.Zero };
                for (var i = 0; i < node._keys.Length; i++)
                {
                    var avail = ctx.Sign(node._keys[i], out var sig);
                    var sat = InputStack.Of(sig).WithSig().WithAvailability(avail);
                    var next = new List<InputStack>(sats.Count + 1) { sats[0] };
                    for (var j = 1; j < sats.Count; j++)
                    {
                        next.Add(sats[j] | (sats[j - 1] + sat));
                    }

                    next.Add(sats[^1] + sat);
                    sats = next;
                }

                // The dissatisfaction is k+1 empty vectors.
                var nsat = InputStack.Zero;
                for (var i = 0; i < node.K; i++)
                {
                    nsat += InputStack.Zero;
                }

                return new(nsat, sats[(int)node.K]);
            }

            case Fragment.Thresh:
            {
                // sats[j]: the best stack satisfying j of the last i sub-expressions.
                var sats = new List<InputStack> { InputStack.Empty };
                for (var i = 0; i < subres.Length; i++)
                {
                    var res = subres[subres.Length - i - 1];
                    var next = new List<InputStack>(sats.Count + 1) { sats[0] + res.Nsat };
                    for (var j = 1; j < sats.Count; j++)
                    {
                        next.Add((sats[j] + res.Nsat) | (sats[j - 1] + res.Sat));
                    }

                    next.Add(sats[^1] + res.Sat);
                    sats = next;
                }

                // Every count but k dissatisfies; counts other than 0 are non-canonical and malleable.
                var nsat = InputStack.Invalid;
                for (var i = 0; i < sats.Count; i++)
                {
                    if (i != 0 && i != node.K)
                    {
                        sats[i] = sats[i].AsMalleable().AsNonCanon();
                    }

                    if (i != node.K)
                    {
                        nsat |= sats[i];
                    }
                }

                return new(nsat, sats[(int)node.K]);
            }

            case Fragment.Older:
                return new(InputStack.Invalid, ctx.CheckOlder(node.K) ? InputStack.Empty : InputStack.Invalid);
            case Fragment.After:
                return new(InputStack.Invalid, ctx.CheckAfter(node.K) ? InputStack.Empty : InputStack.Invalid);
            case Fragment.Sha256:
            case Fragment.Ripemd160:
            case Fragment.Hash256:
            case Fragment.Hash160:
            {
                MiniscriptAvailability avail;
                byte[] preimage;
                switch (node.Fragment)
                {
                    case Fragment.Sha256:
                        avail = ctx.SatisfySha256(node._data, out preimage);
                        break;
                    case Fragment.Ripemd160:
                        avail = ctx.SatisfyRipemd160(node._data, out preimage);
                        break;
                    case Fragment.Hash256:
                        avail = ctx.SatisfyHash256(node._data, out preimage);
                        break;
                    default:
                        avail = ctx.SatisfyHash160(node._data, out preimage);
                        break;
                }

                return new(InputStack.Zero32, InputStack.Of(preimage).WithAvailability(avail));
            }

            case Fragment.AndV:
            {
                var (x, y) = (subres[0], subres[1]);
                return new((y.Nsat + x.Sat).AsNonCanon(), y.Sat + x.Sat);
            }

            case Fragment.AndB:
            {
                var (x, y) = (subres[0], subres[1]);
                return new(
                    (y.Nsat + x.Nsat) | (y.Sat + x.Nsat).AsMalleable().AsNonCanon() | (y.Nsat + x.Sat).AsMalleable().AsNonCanon(),
                    y.Sat + x.Sat);
            }

            case Fragment.OrB:
            {
                var (x, z) = (subres[0], subres[1]);

                // (sat(Z) sat(X)) is overcomplete: a third party can turn either into a dissatisfaction.
                return new(z.Nsat + x.Nsat, (z.Nsat + x.Sat) | (z.Sat + x.Nsat) | (z.Sat + x.Sat).AsMalleable().AsNonCanon());
            }

            case Fragment.OrC:
            {
                var (x, z) = (subres[0], subres[1]);
                return new(InputStack.Invalid, x.Sat | (z.Sat + x.Nsat));
            }

            case Fragment.OrD:
            {
                var (x, z) = (subres[0], subres[1]);
                return new(z.Nsat + x.Nsat, x.Sat | (z.Sat + x.Nsat));
            }

            case Fragment.OrI:
            {
                var (x, z) = (subres[0], subres[1]);
                return new((x.Nsat + InputStack.One) | (z.Nsat + InputStack.Zero), (x.Sat + InputStack.One) | (z.Sat + InputStack.Zero));
            }

            case Fragment.AndOr:
            {
                var (x, y, z) = (subres[0], subres[1], subres[2]);
                return new((y.Nsat + x.Sat).AsNonCanon() | (z.Nsat + x.Nsat), (y.Sat + x.Sat) | (z.Sat + x.Nsat));
            }

            case Fragment.WrapA:
            case Fragment.WrapS:
            case Fragment.WrapC:
            case Fragment.WrapN:
                return subres[0];
            case Fragment.WrapD:
                return new(InputStack.Zero, subres[0].Sat + InputStack.One);
            case Fragment.WrapJ:
            {
                // When the child is weakly dissatisfiable, another dissatisfaction with a nonzero top
                // element may exist: assume it does (Core) and mark this one malleable.
                var x = subres[0];
                return new(InputStack.Zero.AsMalleable(x.Nsat.Available != MiniscriptAvailability.No && !x.Nsat.HasSig), x.Sat);
            }

            case Fragment.WrapV:
                return new(InputStack.Invalid, subres[0].Sat);
            case Fragment.Just0:
                return new(InputStack.Empty, InputStack.Invalid);
            case Fragment.Just1:
                return new(InputStack.Invalid, InputStack.Empty);
            default:
                throw new InvalidOperationException("miniscript: unknown fragment");
        }
    }

    // Core's consistency check between the satisfier and the type system. A violation is a bug here.
    private static void Check(MiniscriptNode<TKey> node, InputResult ret)
    {
        var t = node.Type;
        var satOk = ret.Sat.Available != MiniscriptAvailability.No;
        var nsatOk = ret.Nsat.Available != MiniscriptAvailability.No;
        var ok = true;
        if (MiniscriptRules.IsZ(t))
        {
            ok &= !nsatOk || ret.Nsat.Count == 0;
            ok &= !satOk || ret.Sat.Count == 0;
        }

        if (MiniscriptRules.IsO(t))
        {
            ok &= !nsatOk || ret.Nsat.Count == 1;
            ok &= !satOk || ret.Sat.Count == 1;
        }

        if (MiniscriptRules.IsN(t))
        {
            ok &= !satOk || (ret.Sat.Count >= 1 && !ret.Sat.TopIsEmpty());
            ok &= !nsatOk || ret.Nsat.Count >= 1;
        }

        if (MiniscriptRules.IsD(t))
        {
            ok &= nsatOk && !ret.Nsat.HasSig && (ret.Nsat.Malleable || !ret.Nsat.NonCanon);
        }

        ok &= !MiniscriptRules.IsF(t) || !nsatOk || ret.Nsat.HasSig;
        ok &= !MiniscriptRules.IsS(t) || !satOk || ret.Sat.HasSig;
        ok &= !MiniscriptRules.IsMe(t) || (nsatOk && !ret.Nsat.Malleable);
        ok &= !MiniscriptRules.IsM(t) || !satOk || !ret.Sat.Malleable;
        ok &= !satOk || ret.Sat.Malleable || !ret.Sat.NonCanon;
        if (!ok)
        {
            throw new InvalidOperationException($"miniscript: satisfier and type system disagree at {FragmentName(node.Fragment)} ({t})");
        }
    }

    private readonly record struct InputResult(InputStack Nsat, InputStack Sat);
}

/// <summary>
/// Core miniscript.h internal::InputStack: a candidate witness with its availability, signature,
/// malleability and canonicity flags and serialized size. Concatenation is O(1) (a rope of elements
/// materialised once at the end).
/// </summary>
internal readonly struct InputStack
{
    private readonly Rope? _items;

    private InputStack(MiniscriptAvailability available, bool hasSig, bool malleable, bool nonCanon, ulong size, Rope? items)
    {
        Available = available;
        HasSig = hasSig;
        Malleable = malleable;
        NonCanon = nonCanon;
        Size = size;
        _items = items;
    }

    public MiniscriptAvailability Available { get; }

    public bool HasSig { get; }

    public bool Malleable { get; }

    public bool NonCanon { get; }

    public ulong Size { get; }

    public int Count => _items?.Count ?? 0;

    /// <summary>A single element of up to 75 bytes (size counts its one-byte length prefix).</summary>
    public static InputStack Of(byte[] element) => new(MiniscriptAvailability.Yes, false, false, false, (ulong)element.Length + 1, Rope.Leaf(element));

    /// <summary>A single empty element (0 in numeric context).</summary>
    public static InputStack Zero { get; } = Of([]);

    /// <summary>A single malleable 32-byte zero element (dissatisfies hash challenges).</summary>
    public static InputStack Zero32 { get; } = Of(new byte[32]).AsMalleable();

    /// <summary>A single 0x01 element.</summary>
    public static InputStack One { get; } = Of([1]);

    /// <summary>The empty stack.</summary>
    public static InputStack Empty { get; } = new(MiniscriptAvailability.Yes, false, false, false, 0, null);

    /// <summary>No (dis)satisfaction.</summary>
    public static InputStack Invalid { get; } = new(MiniscriptAvailability.No, false, false, false, ulong.MaxValue, null);

    public InputStack WithAvailability(MiniscriptAvailability avail) =>
        avail == MiniscriptAvailability.No ? Invalid : new(avail, HasSig, Malleable, NonCanon, Size, _items);

    public InputStack WithSig() => new(Available, true, Malleable, NonCanon, Size, _items);

    public InputStack AsNonCanon() => new(Available, HasSig, Malleable, true, Size, _items);

    public InputStack AsMalleable(bool malleable = true) => new(Available, HasSig, malleable, NonCanon, Size, _items);

    public bool TopIsEmpty() => _items is not null && _items.Last().Length == 0;

    public byte[][] Materialize() => _items?.ToArray() ?? [];

    /// <summary>Concatenation: a's elements then b's (b's end on top).</summary>
    public static InputStack operator +(InputStack a, InputStack b)
    {
        if (a.Available == MiniscriptAvailability.No || b.Available == MiniscriptAvailability.No)
        {
            return Invalid;
        }

        var avail = a.Available == MiniscriptAvailability.Maybe || b.Available == MiniscriptAvailability.Maybe ? MiniscriptAvailability.Maybe : MiniscriptAvailability.Yes;
        return new(avail, a.HasSig || b.HasSig, a.Malleable || b.Malleable, a.NonCanon || b.NonCanon, a.Size + b.Size, Rope.Concat(a._items, b._items));
    }

    /// <summary>Core's choice between two candidates.</summary>
    public static InputStack operator |(InputStack a, InputStack b)
    {
        // If only one is invalid, pick the other one.
        if (a.Available == MiniscriptAvailability.No)
        {
            return b;
        }

        if (b.Available == MiniscriptAvailability.No)
        {
            return a;
        }

        // If only one has a signature, pick the other: a third party could not produce the signed one.
        if (!a.HasSig && b.HasSig)
        {
            return a;
        }

        if (!b.HasSig && a.HasSig)
        {
            return b;
        }

        if (!a.HasSig && !b.HasSig)
        {
            // Neither needs a signature: a third party can pick either, so both are malleable.
            a = a.AsMalleable();
            b = b.AsMalleable();
        }
        else
        {
            // Both need a signature: prefer the non-malleable one.
            if (b.Malleable && !a.Malleable)
            {
                return a;
            }

            if (a.Malleable && !b.Malleable)
            {
                return b;
            }
        }

        // Between equals: the smaller of two YES, the larger of two MAYBE, YES over MAYBE.
        if (a.Available == MiniscriptAvailability.Yes && b.Available == MiniscriptAvailability.Yes)
        {
            return a.Size <= b.Size ? a : b;
        }

        if (a.Available == MiniscriptAvailability.Maybe && b.Available == MiniscriptAvailability.Maybe)
        {
            return a.Size >= b.Size ? a : b;
        }

        return a.Available == MiniscriptAvailability.Yes ? a : b;
    }

    public static InputStack Add(InputStack a, InputStack b) => a + b;

    public static InputStack BitwiseOr(InputStack a, InputStack b) => a | b;

    /// <summary>An immutable concatenation tree of witness elements.</summary>
    private sealed class Rope
    {
        private readonly byte[]? _leaf;
        private readonly Rope? _left;
        private readonly Rope? _right;

        private Rope(byte[]? leaf, Rope? left, Rope? right, int count)
        {
            _leaf = leaf;
            _left = left;
            _right = right;
            Count = count;
        }

        public int Count { get; }

        public static Rope Leaf(byte[] element) => new(element, null, null, 1);

        public static Rope? Concat(Rope? a, Rope? b) => a is null ? b : b is null ? a : new Rope(null, a, b, a.Count + b.Count);

        public byte[] Last()
        {
            var node = this;
            while (node._leaf is null)
            {
                node = node._right!;
            }

            return node._leaf;
        }

        public byte[][] ToArray()
        {
            var result = new byte[Count][];
            var index = 0;
            var stack = new Stack<Rope>();
            stack.Push(this);
            while (stack.Count > 0)
            {
                var node = stack.Pop();
                if (node._leaf is not null)
                {
                    result[index++] = node._leaf;
                    continue;
                }

                stack.Push(node._right!);
                stack.Push(node._left!);
            }

            return result;
        }
    }
}
