namespace OPSource.Bitcoin.Consensus;

/// <summary>
/// The interpreter's main stack: byte strings, top at the end. Elements are never mutated once
/// pushed, so sharing arrays between stacks (P2SH copy, witness) is safe.
/// </summary>
public sealed class ScriptStack
{
    private readonly List<byte[]> _items;

    /// <summary>An empty stack.</summary>
    public ScriptStack() => _items = new List<byte[]>(8);

    /// <summary>A stack holding copies of <paramref name="items"/>, bottom first.</summary>
    public ScriptStack(IEnumerable<ReadOnlyMemory<byte>> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        _items = [.. items.Select(i => i.ToArray())];
    }

    internal ScriptStack(List<byte[]> items) => _items = items;

    /// <summary>Number of elements.</summary>
    public int Count => _items.Count;

    /// <summary>Element <paramref name="index"/> counted from the bottom (0).</summary>
    public ReadOnlySpan<byte> this[int index] => _items[index];

    /// <summary>Element counted from the top: <c>Top(1)</c> is the top (Core's stacktop(-1)).</summary>
    public ReadOnlySpan<byte> Top(int depth = 1) => _items[_items.Count - depth];

    internal byte[] TopArray(int depth = 1) => _items[_items.Count - depth];

    internal void Push(byte[] item) => _items.Add(item);

    internal void Pop() => _items.RemoveAt(_items.Count - 1);

    internal void RemoveFromTop(int depth) => _items.RemoveAt(_items.Count - depth);

    internal void InsertFromTop(int depth, byte[] item) => _items.Insert(_items.Count - depth, item);

    internal void SwapFromTop(int a, int b)
    {
        var ia = _items.Count - a;
        var ib = _items.Count - b;
        (_items[ia], _items[ib]) = (_items[ib], _items[ia]);
    }

    internal void Clear() => _items.Clear();

    internal void TruncateTo(int count) => _items.RemoveRange(count, _items.Count - count);

    internal ScriptStack Clone() => new([.. _items]);

    /// <summary>Copies of the elements, bottom first.</summary>
    public IReadOnlyList<byte[]> ToList() => _items.Select(i => (byte[])i.Clone()).ToList();
}
