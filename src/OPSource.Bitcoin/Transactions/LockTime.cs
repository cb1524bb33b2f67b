namespace OPSource.Bitcoin.Transactions;

/// <summary>
/// A transaction's nLockTime: a block height below 500,000,000, a Unix time otherwise (BIP65 /
/// Core script.h LOCKTIME_THRESHOLD).
/// </summary>
public readonly record struct LockTime(uint Value)
{
    /// <summary>Core LOCKTIME_THRESHOLD: values below are heights, at or above are timestamps.</summary>
    public const uint Threshold = 500_000_000;

    /// <summary>No lock (0).</summary>
    public static LockTime Zero => default;

    /// <summary>True when the value is a block height.</summary>
    public bool IsHeight => Value < Threshold;

    /// <summary>True when the value is a Unix timestamp.</summary>
    public bool IsTime => Value >= Threshold;

    /// <summary>A height lock; must be below the threshold.</summary>
    public static LockTime FromHeight(uint height)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(height, Threshold);
        return new LockTime(height);
    }

    /// <summary>A time lock; must be at or above the threshold.</summary>
    public static LockTime FromTime(DateTimeOffset time)
    {
        var seconds = time.ToUnixTimeSeconds();
        if (seconds < Threshold || seconds > uint.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(time), "locktime: time must be between 1985-11-05 and 2106-02-07");
        }

        return new LockTime((uint)seconds);
    }

    public static implicit operator uint(LockTime value) => value.Value;

    public static implicit operator LockTime(uint value) => new(value);

    /// <summary>Same as the implicit conversion.</summary>
    public static LockTime FromUInt32(uint value) => new(value);

    /// <summary>Same as the implicit conversion.</summary>
    public uint ToUInt32() => Value;

    /// <summary>The raw number.</summary>
    public override string ToString() => Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>
/// An input's nSequence, with the BIP68 relative lock-time fields and BIP125 RBF signalling.
/// </summary>
public readonly record struct Sequence(uint Value)
{
    /// <summary>Core SEQUENCE_FINAL (0xffffffff): disables nLockTime for this input.</summary>
    public const uint FinalValue = 0xffffffff;

    /// <summary>Core MAX_BIP125_RBF_SEQUENCE (0xfffffffd): highest value that signals replaceability.</summary>
    public const uint MaxBip125RbfValue = 0xfffffffd;

    /// <summary>BIP68 SEQUENCE_LOCKTIME_DISABLE_FLAG (bit 31).</summary>
    public const uint DisableFlag = 1u << 31;

    /// <summary>BIP68 SEQUENCE_LOCKTIME_TYPE_FLAG (bit 22): set = time in 512 s units, clear = blocks.</summary>
    public const uint TypeFlag = 1u << 22;

    /// <summary>BIP68 SEQUENCE_LOCKTIME_MASK: the 16-bit value.</summary>
    public const uint LockTimeMask = 0x0000ffff;

    /// <summary>BIP68 SEQUENCE_LOCKTIME_GRANULARITY: time units are 2^9 = 512 seconds.</summary>
    public const int Granularity = 9;

    /// <summary>0xffffffff.</summary>
    public static Sequence Final => new(FinalValue);

    /// <summary>True for 0xffffffff.</summary>
    public bool IsFinal => Value == FinalValue;

    /// <summary>BIP125: an input with nSequence &lt; 0xfffffffe signals replaceability.</summary>
    public bool SignalsRbf => Value <= MaxBip125RbfValue;

    /// <summary>BIP68: the disable flag is set, so no relative lock applies.</summary>
    public bool IsRelativeLockDisabled => (Value & DisableFlag) != 0;

    /// <summary>BIP68: the relative lock counts time (512 s units) rather than blocks.</summary>
    public bool IsRelativeTimeLock => (Value & TypeFlag) != 0;

    /// <summary>BIP68: the 16-bit relative lock value (blocks or 512 s units).</summary>
    public ushort RelativeLockValue => (ushort)(Value & LockTimeMask);

    /// <summary>BIP68: for time locks, the lock in seconds (value × 512).</summary>
    public long RelativeLockSeconds => (long)RelativeLockValue << Granularity;

    /// <summary>BIP68 relative lock of <paramref name="blocks"/> blocks.</summary>
    public static Sequence FromBlocks(ushort blocks) => new(blocks);

    /// <summary>BIP68 relative lock of <paramref name="units"/> × 512 seconds.</summary>
    public static Sequence FromTimeUnits(ushort units) => new(TypeFlag | units);

    /// <summary>BIP68 relative time lock of at least <paramref name="seconds"/> (rounded up to 512 s).</summary>
    public static Sequence FromSeconds(long seconds)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(seconds);
        var units = (seconds + 511) >> Granularity;
        ArgumentOutOfRangeException.ThrowIfGreaterThan(units, ushort.MaxValue, nameof(seconds));
        return FromTimeUnits((ushort)units);
    }

    public static implicit operator uint(Sequence value) => value.Value;

    public static implicit operator Sequence(uint value) => new(value);

    /// <summary>Same as the implicit conversion.</summary>
    public static Sequence FromUInt32(uint value) => new(value);

    /// <summary>Same as the implicit conversion.</summary>
    public uint ToUInt32() => Value;

    /// <summary>The raw number.</summary>
    public override string ToString() => Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
