namespace OPSource.Bitcoin.Consensus;

/// <summary>
/// Why a script failed, with Bitcoin Core's names (script/script_error.h, spelled as in
/// script_tests.json) so results can be compared with Core one to one.
/// </summary>
#pragma warning disable CA1707 // Core's spelling is the point: these names are an interchange format.
public enum ScriptError
{
    /// <summary>No error: the script succeeded.</summary>
    OK = 0,
    UNKNOWN_ERROR,
    EVAL_FALSE,
    OP_RETURN,

    // Max sizes
    SCRIPT_SIZE,
    PUSH_SIZE,
    OP_COUNT,
    STACK_SIZE,
    SIG_COUNT,
    PUBKEY_COUNT,

    // Failed verify operations
    VERIFY,
    EQUALVERIFY,
    CHECKMULTISIGVERIFY,
    CHECKSIGVERIFY,
    NUMEQUALVERIFY,

    // Logical/Format/Canonical errors
    BAD_OPCODE,
    DISABLED_OPCODE,
    INVALID_STACK_OPERATION,
    INVALID_ALTSTACK_OPERATION,
    UNBALANCED_CONDITIONAL,

    // CHECKLOCKTIMEVERIFY and CHECKSEQUENCEVERIFY
    NEGATIVE_LOCKTIME,
    UNSATISFIED_LOCKTIME,

    // Malleability
    SIG_HASHTYPE,
    SIG_DER,
    MINIMALDATA,
    SIG_PUSHONLY,
    SIG_HIGH_S,
    SIG_NULLDUMMY,
    PUBKEYTYPE,
    CLEANSTACK,
    MINIMALIF,
    /// <summary>Core's SCRIPT_ERR_SIG_NULLFAIL, reported as "NULLFAIL".</summary>
    NULLFAIL,

    // Softfork safeness
    DISCOURAGE_UPGRADABLE_NOPS,
    DISCOURAGE_UPGRADABLE_WITNESS_PROGRAM,
    DISCOURAGE_UPGRADABLE_TAPROOT_VERSION,
    DISCOURAGE_OP_SUCCESS,
    DISCOURAGE_UPGRADABLE_PUBKEYTYPE,

    // Segregated witness
    WITNESS_PROGRAM_WRONG_LENGTH,
    WITNESS_PROGRAM_WITNESS_EMPTY,
    WITNESS_PROGRAM_MISMATCH,
    WITNESS_MALLEATED,
    WITNESS_MALLEATED_P2SH,
    WITNESS_UNEXPECTED,
    WITNESS_PUBKEYTYPE,

    // Taproot
    SCHNORR_SIG_SIZE,
    SCHNORR_SIG_HASHTYPE,
    SCHNORR_SIG,
    TAPROOT_WRONG_CONTROL_SIZE,
    TAPSCRIPT_VALIDATION_WEIGHT,
    TAPSCRIPT_CHECKMULTISIG,
    TAPSCRIPT_MINIMALIF,
    TAPSCRIPT_EMPTY_PUBKEY,

    // Constant scriptCode
    OP_CODESEPARATOR,
    SIG_FINDANDDELETE,
}
#pragma warning restore CA1707

/// <summary>Parsing and formatting of <see cref="ScriptError"/> names (Core's spelling).</summary>
public static class ScriptErrors
{
    private static readonly ScriptError[] All = Enum.GetValues<ScriptError>();

    /// <summary>The Core name of <paramref name="error"/>, e.g. <c>"EVAL_FALSE"</c>.</summary>
    public static string Name(ScriptError error) => Enum.GetName(error) ?? throw new ArgumentOutOfRangeException(nameof(error));

    /// <summary>Parses a Core error name (exact, upper case); false when unknown.</summary>
    public static bool TryParse(string? name, out ScriptError error)
    {
        foreach (var candidate in All)
        {
            if (string.Equals(Enum.GetName(candidate), name, StringComparison.Ordinal))
            {
                error = candidate;
                return true;
            }
        }

        error = ScriptError.UNKNOWN_ERROR;
        return false;
    }

    /// <summary>Parses a Core error name or throws <see cref="FormatException"/> naming it.</summary>
    public static ScriptError Parse(string name) =>
        TryParse(name, out var error) ? error : throw new FormatException($"script error: unknown name '{name}'");

    /// <summary>Every defined error, in Core's order.</summary>
    public static IReadOnlyList<ScriptError> Values => All;
}
