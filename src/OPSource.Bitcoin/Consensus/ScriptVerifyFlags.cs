namespace OPSource.Bitcoin.Consensus;

/// <summary>
/// Script verification flags with Core's names and bit positions (script/interpreter.h), so a
/// flag set written as text ("P2SH,WITNESS") means the same here as in Core's tests and RPCs.
/// </summary>
[Flags]
#pragma warning disable CA1707, CA1711, CA1008 // Core's spelling; NONE is Core's name for zero.
public enum ScriptVerifyFlags : uint
{
    /// <summary>No optional rule.</summary>
    NONE = 0,
    /// <summary>Evaluate P2SH subscripts (BIP16).</summary>
    P2SH = 1u << 0,
    /// <summary>Strict signature and pubkey encodings (policy).</summary>
    STRICTENC = 1u << 1,
    /// <summary>Strict DER signatures (BIP66).</summary>
    DERSIG = 1u << 2,
    /// <summary>Low-S signatures (BIP146, policy).</summary>
    LOW_S = 1u << 3,
    /// <summary>CHECKMULTISIG dummy must be empty (BIP147).</summary>
    NULLDUMMY = 1u << 4,
    /// <summary>scriptSig must be push-only (BIP62 rule 2, policy).</summary>
    SIGPUSHONLY = 1u << 5,
    /// <summary>Minimal pushes and minimal numbers (BIP62 rules 3 and 4, policy).</summary>
    MINIMALDATA = 1u << 6,
    /// <summary>Executing NOP1, NOP4-NOP10 fails (policy).</summary>
    DISCOURAGE_UPGRADABLE_NOPS = 1u << 7,
    /// <summary>Exactly one stack element after evaluation (BIP62 rule 6, consensus for witness).</summary>
    CLEANSTACK = 1u << 8,
    /// <summary>OP_CHECKLOCKTIMEVERIFY (BIP65).</summary>
    CHECKLOCKTIMEVERIFY = 1u << 9,
    /// <summary>OP_CHECKSEQUENCEVERIFY (BIP112).</summary>
    CHECKSEQUENCEVERIFY = 1u << 10,
    /// <summary>Segregated witness (BIP141/143).</summary>
    WITNESS = 1u << 11,
    /// <summary>Unknown witness versions fail (policy).</summary>
    DISCOURAGE_UPGRADABLE_WITNESS_PROGRAM = 1u << 12,
    /// <summary>IF/NOTIF argument must be empty or 0x01 in witness v0 (policy).</summary>
    MINIMALIF = 1u << 13,
    /// <summary>Failed signature checks need empty signatures (BIP146).</summary>
    NULLFAIL = 1u << 14,
    /// <summary>Witness v0 pubkeys must be compressed (BIP143 policy).</summary>
    WITNESS_PUBKEYTYPE = 1u << 15,
    /// <summary>OP_CODESEPARATOR and FindAndDelete hits fail in legacy scripts (policy).</summary>
    CONST_SCRIPTCODE = 1u << 16,
    /// <summary>Taproot and tapscript (BIP341/342).</summary>
    TAPROOT = 1u << 17,
    /// <summary>Unknown leaf versions fail (policy).</summary>
    DISCOURAGE_UPGRADABLE_TAPROOT_VERSION = 1u << 18,
    /// <summary>OP_SUCCESSx fail instead of succeeding (policy).</summary>
    DISCOURAGE_OP_SUCCESS = 1u << 19,
    /// <summary>Unknown tapscript pubkey types fail (policy).</summary>
    DISCOURAGE_UPGRADABLE_PUBKEYTYPE = 1u << 20,
}
#pragma warning restore CA1707, CA1711, CA1008

/// <summary>The flag sets Core uses, and text parsing/formatting of flag lists.</summary>
public static class ScriptFlags
{
    private static readonly ScriptVerifyFlags[] Singles = Enum.GetValues<ScriptVerifyFlags>().Where(f => f != ScriptVerifyFlags.NONE).ToArray();

    /// <summary>
    /// Flags every block must satisfy today. // Core policy/policy.h: MANDATORY_SCRIPT_VERIFY_FLAGS
    /// (P2SH, DERSIG, NULLDUMMY, CHECKLOCKTIMEVERIFY, CHECKSEQUENCEVERIFY, WITNESS, TAPROOT).
    /// </summary>
    public const ScriptVerifyFlags Mandatory =
        ScriptVerifyFlags.P2SH | ScriptVerifyFlags.DERSIG | ScriptVerifyFlags.NULLDUMMY |
        ScriptVerifyFlags.CHECKLOCKTIMEVERIFY | ScriptVerifyFlags.CHECKSEQUENCEVERIFY |
        ScriptVerifyFlags.WITNESS | ScriptVerifyFlags.TAPROOT;

    /// <summary>
    /// Flags a standard (relayable) transaction satisfies. // Core policy/policy.h: STANDARD_SCRIPT_VERIFY_FLAGS.
    /// </summary>
    public const ScriptVerifyFlags Standard = Mandatory |
        ScriptVerifyFlags.STRICTENC | ScriptVerifyFlags.MINIMALDATA | ScriptVerifyFlags.DISCOURAGE_UPGRADABLE_NOPS |
        ScriptVerifyFlags.CLEANSTACK | ScriptVerifyFlags.MINIMALIF | ScriptVerifyFlags.NULLFAIL | ScriptVerifyFlags.LOW_S |
        ScriptVerifyFlags.DISCOURAGE_UPGRADABLE_WITNESS_PROGRAM | ScriptVerifyFlags.WITNESS_PUBKEYTYPE |
        ScriptVerifyFlags.CONST_SCRIPTCODE | ScriptVerifyFlags.DISCOURAGE_UPGRADABLE_TAPROOT_VERSION |
        ScriptVerifyFlags.DISCOURAGE_OP_SUCCESS | ScriptVerifyFlags.DISCOURAGE_UPGRADABLE_PUBKEYTYPE;

    /// <summary>Every defined flag.</summary>
    public const ScriptVerifyFlags All = (ScriptVerifyFlags)((1u << 21) - 1);

    /// <summary>
    /// Parses a comma-separated list of Core flag names ("" or "NONE" is no flag). Whitespace around
    /// names is ignored; names are case-sensitive, as in Core's tests.
    /// </summary>
    public static bool TryParse(string? text, out ScriptVerifyFlags flags, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out ScriptFlagsError? error)
    {
        flags = ScriptVerifyFlags.NONE;
        error = null;
        if (text is null)
        {
            error = new ScriptFlagsError(ScriptFlagsErrorKind.Missing, "flags: missing");
            return false;
        }

        var offset = 0;
        foreach (var raw in text.Split(','))
        {
            var at = offset + (raw.Length - raw.TrimStart().Length);
            offset += raw.Length + 1;
            var name = raw.Trim();
            if (name.Length == 0 && text.Trim().Length == 0)
            {
                continue;
            }

            if (!TryParseOne(name, out var one))
            {
                error = new ScriptFlagsError(ScriptFlagsErrorKind.UnknownFlag, $"flags: unknown flag name '{name}'", at);
                flags = ScriptVerifyFlags.NONE;
                return false;
            }

            flags |= one;
        }

        return true;
    }

    /// <summary>Parses a flag list or throws <see cref="BitcoinFormatException"/> naming the bad flag.</summary>
    public static ScriptVerifyFlags Parse(string text) =>
        TryParse(text, out var flags, out var error) ? flags : throw error.ToException();

    /// <summary>Formats flags as Core does: names joined with commas in bit order; "" for none.</summary>
    public static string Format(ScriptVerifyFlags flags)
    {
        var names = new List<string>();
        foreach (var single in Singles)
        {
            if ((flags & single) != 0)
            {
                names.Add(Enum.GetName(single)!);
            }
        }

        var unknown = flags & ~All;
        if (unknown != 0)
        {
            names.Add(FormattableString.Invariant($"0x{(uint)unknown:x}"));
        }

        return string.Join(',', names);
    }

    private static bool TryParseOne(string name, out ScriptVerifyFlags flag)
    {
        if (name == "NONE")
        {
            flag = ScriptVerifyFlags.NONE;
            return true;
        }

        foreach (var single in Singles)
        {
            if (string.Equals(Enum.GetName(single), name, StringComparison.Ordinal))
            {
                flag = single;
                return true;
            }
        }

        flag = ScriptVerifyFlags.NONE;
        return false;
    }
}
