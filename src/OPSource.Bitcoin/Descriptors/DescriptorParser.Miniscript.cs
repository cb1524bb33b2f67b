using OPSource.Bitcoin.Miniscript;

namespace OPSource.Bitcoin.Descriptors;

/// <summary>BIP379 miniscript expressions inside wsh() and tr() leaves (Core descriptor.cpp ParseScript, "Process miniscript expressions").</summary>
internal sealed partial class DescriptorParser
{
    // The descriptor functions a wsh() body or a tr() leaf can hold besides miniscript (BIP381-387);
    // everything else there is read as miniscript, as Core does once no descriptor function matched.
    private static readonly HashSet<string> DescriptorFunctions = new(StringComparer.Ordinal)
    {
        "pk", "pkh", "wpkh", "combo", "sh", "wsh", "multi", "sortedmulti", "multi_a", "sortedmulti_a", "tr", "rawtr", "raw", "addr", "musig",
    };

    private bool IsMiniscript(string name, ScriptCtx ctx) =>
        ctx is ScriptCtx.P2wsh or ScriptCtx.P2tr
        && (_pos >= _text.Length || _text[_pos] != '(' || !DescriptorFunctions.Contains(name));

    private Descriptor? ParseMiniscript(ScriptCtx ctx)
    {
        var start = _pos;
        var text = ReadArgument();
        var context = ctx == ScriptCtx.P2tr ? MiniscriptContext.Tapscript : MiniscriptContext.P2Wsh;
        var where = ctx == ScriptCtx.P2tr ? "tr() leaf" : "wsh()";
        var count = 0;
        var keys = new DescriptorMiniscriptKeys(this, (keyText, c) =>
            ParseKey(keyText, null, $"{where} miniscript key {++count}", c == MiniscriptContext.Tapscript ? KeyCtx.Taproot : KeyCtx.Witness));
        if (!MiniscriptParser<KeyExpression>.TryParse(text, context, keys, out var node, out var error, positionOffset: start))
        {
            // Core reports a key's own error before the miniscript's (m_key_parsing_error); the
            // miniscript parser knows where the key starts.
            if (keys.KeyError is { } keyError)
            {
                _error ??= keyError.WithPositionIfMissing(error.Position);
                return null;
            }

            return Fail<Descriptor>(DescriptorErrorKind.Miniscript, error.Position ?? start, $"{where}: {error.Message}");
        }

        // Core: a miniscript descriptor must be sane (BIP379) and satisfiable.
        var reason = node.InsanityReason(MiniscriptDescriptor.PublicKeyText);
        if (reason is not null)
        {
            return Fail<Descriptor>(DescriptorErrorKind.Miniscript, start, $"{where}: {reason} (BIP379)");
        }

        return new MiniscriptDescriptor(node);
    }

    /// <summary>
    /// Core: outside wsh() and tr(), a miniscript is refused by name ("Miniscript expressions can only be used
    /// in wsh or tr."). True when the text is not a miniscript (the caller reports the unknown function).
    /// </summary>
    private bool RefuseMiniscriptOutsideWshAndTr(int start)
    {
        var save = _pos;
        var saveError = _error;
        var text = ReadArgument();
        _pos = save;
        // A trial parse: key errors here are not the descriptor's error.
        var keys = new DescriptorMiniscriptKeys(this, (keyText, c) => ParseKey(keyText, null, "miniscript key", KeyCtx.Legacy));
        var isMiniscript = MiniscriptParser<KeyExpression>.TryParse(text, MiniscriptContext.P2Wsh, keys, out _, out _)
            || MiniscriptParser<KeyExpression>.TryParse(text, MiniscriptContext.Tapscript, keys, out _, out _);
        _error = saveError;
        return !isMiniscript || Fail(DescriptorErrorKind.WrongContext, start, "miniscript expressions can only be used in wsh() or tr() (BIP379)");
    }

    /// <summary>Takes the error a failed key parse recorded, so the miniscript parser gets it as a value.</summary>
    internal DescriptorError? TakeError()
    {
        var error = _error;
        _error = null;
        return error;
    }
}
