using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace OPSource.Bitcoin.Keys;

/// <summary>Which spellings a BIP32 path grammar accepts on top of decimal steps with <c>'</c> or <c>h</c>.</summary>
[Flags]
internal enum KeyPathGrammar
{
    /// <summary>BIP380 steps only: a decimal index below 2^31, optionally followed by <c>'</c> or <c>h</c>.</summary>
    Bip380 = 0,

    /// <summary>Also <c>H</c> as a hardened marker (wallet-style paths such as <c>m/44H/1H</c>).</summary>
    UpperCaseHardened = 1,

    /// <summary>A final <c>*</c>, <c>*'</c> or <c>*h</c> step: a ranged key (BIP380).</summary>
    Wildcard = 2,

    /// <summary>One <c>&lt;a;b;...&gt;</c> step: a multipath key (BIP389).</summary>
    Multipath = 4,
}

/// <summary>Why a path did not parse; each caller words it for its own context (keypath, descriptor, key origin).</summary>
internal enum KeyPathErrorKind
{
    /// <summary>An empty step: a stray or doubled <c>/</c>.</summary>
    EmptyStep,

    /// <summary>Not a decimal index with an accepted hardened marker.</summary>
    NotANumber,

    /// <summary>A decimal index of 2^31 or more.</summary>
    OutOfRange,

    /// <summary>A wildcard step that is not the last one.</summary>
    WildcardNotLast,

    /// <summary>A wildcard where the grammar has none (a key origin, a plain keypath).</summary>
    WildcardNotAllowed,

    /// <summary>A step that starts with <c>&lt;</c> or ends with <c>&gt;</c> but is not <c>&lt;...&gt;</c>.</summary>
    MultipathMalformed,

    /// <summary>A multipath step where the grammar has none.</summary>
    MultipathNotAllowed,

    /// <summary>A second multipath step in the same path.</summary>
    MultipathRepeated,

    /// <summary>A multipath step with fewer than two indexes.</summary>
    MultipathTooFew,

    /// <summary>A multipath step with an empty index (<c>&lt;0;;1&gt;</c>).</summary>
    MultipathEmptyIndex,

    /// <summary>A multipath step that lists the same index twice.</summary>
    MultipathDuplicate,
}

/// <summary>
/// A path parse failure: the kind, the 1-based step, the whole step text and the part of it that
/// failed (an index inside a multipath step, or the step itself).
/// </summary>
internal readonly record struct KeyPathError(KeyPathErrorKind Kind, int Step, string StepText, string Token);

/// <summary>What a trailing wildcard step asks for.</summary>
internal enum KeyPathWildcard
{
    /// <summary>No wildcard: a fixed path.</summary>
    None,

    /// <summary><c>/*</c>: unhardened children.</summary>
    Unhardened,

    /// <summary><c>/*'</c> or <c>/*h</c>: hardened children.</summary>
    Hardened,
}

/// <summary>
/// A parsed path: each step's alternatives (one, or several for a BIP389 multipath step, hardened
/// bit included), the trailing wildcard and whether any hardened marker was written <c>'</c>
/// (descriptors print back with the marker the user chose).
/// </summary>
internal sealed record ParsedKeyPath(uint[][] Steps, KeyPathWildcard Wildcard, bool UsedApostrophe);

/// <summary>
/// The one BIP32 path-step parser shared by <see cref="KeyPath"/> and the descriptor parser
/// (key origins and key derivation paths), so both agree on what an index is.
/// </summary>
internal static class KeyPathSyntax
{
    /// <summary>Parses one step's index text (<c>84'</c>, <c>0h</c>, <c>5</c>); <paramref name="apostrophe"/> is set when it used <c>'</c>.</summary>
    private static bool TryParseIndex(ReadOnlySpan<char> text, KeyPathGrammar grammar, out uint index, out bool apostrophe, out KeyPathErrorKind error)
    {
        index = 0;
        apostrophe = false;
        var digits = text;
        var hardened = false;
        if (digits.Length > 0 && IsHardenedMarker(digits[^1], grammar))
        {
            hardened = true;
            apostrophe = digits[^1] == '\'';
            digits = digits[..^1];
        }

        if (digits.Length == 0 || !IsAsciiDigits(digits))
        {
            error = text.Length == 0 ? KeyPathErrorKind.EmptyStep : KeyPathErrorKind.NotANumber;
            return false;
        }

        // BIP32: child indexes are 32-bit; the written number must fit in 31 bits, the top bit being the hardened flag.
        if (!uint.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value >= KeyPath.HardenedBit)
        {
            error = KeyPathErrorKind.OutOfRange;
            return false;
        }

        index = hardened ? value | KeyPath.HardenedBit : value;
        error = default;
        return true;
    }

    /// <summary>
    /// Parses the steps of a path already split on <c>/</c> (no leading <c>m</c>, no key origin fingerprint).
    /// </summary>
    public static bool TryParseSteps(ReadOnlySpan<string> parts, KeyPathGrammar grammar, [NotNullWhen(true)] out ParsedKeyPath? path, out KeyPathError error)
    {
        path = null;
        var steps = new uint[parts.Length][];
        var count = 0;
        var wildcard = KeyPathWildcard.None;
        var multipathSeen = false;
        var usedApostrophe = false;
        for (var i = 0; i < parts.Length; i++)
        {
            var part = parts[i];
            var step = i + 1;
            if (part.StartsWith('*'))
            {
                if ((grammar & KeyPathGrammar.Wildcard) == 0)
                {
                    error = new KeyPathError(KeyPathErrorKind.WildcardNotAllowed, step, part, part);
                    return false;
                }

                if (part is "*" or "*'" or "*h")
                {
                    // BIP380: '*' only as the last step.
                    if (i != parts.Length - 1)
                    {
                        error = new KeyPathError(KeyPathErrorKind.WildcardNotLast, step, part, part);
                        return false;
                    }

                    wildcard = part == "*" ? KeyPathWildcard.Unhardened : KeyPathWildcard.Hardened;
                    usedApostrophe |= part == "*'";
                    continue;
                }
            }

            if (part.StartsWith('<') || ((grammar & KeyPathGrammar.Multipath) != 0 && part.EndsWith('>')))
            {
                if ((grammar & KeyPathGrammar.Multipath) == 0)
                {
                    error = new KeyPathError(KeyPathErrorKind.MultipathNotAllowed, step, part, part);
                    return false;
                }

                if (!part.StartsWith('<') || !part.EndsWith('>') || part.Length < 2)
                {
                    error = new KeyPathError(KeyPathErrorKind.MultipathMalformed, step, part, part);
                    return false;
                }

                // BIP389: at most one multipath specifier per key expression.
                if (multipathSeen)
                {
                    error = new KeyPathError(KeyPathErrorKind.MultipathRepeated, step, part, part);
                    return false;
                }

                multipathSeen = true;
                var items = part[1..^1].Split(';');
                // BIP389: a multipath specifier lists at least two indexes.
                if (items.Length < 2)
                {
                    error = new KeyPathError(KeyPathErrorKind.MultipathTooFew, step, part, part);
                    return false;
                }

                var alternatives = new uint[items.Length];
                for (var j = 0; j < items.Length; j++)
                {
                    if (items[j].Length == 0)
                    {
                        error = new KeyPathError(KeyPathErrorKind.MultipathEmptyIndex, step, part, items[j]);
                        return false;
                    }

                    if (!TryParseIndex(items[j], grammar, out alternatives[j], out var apostrophe, out var kind))
                    {
                        error = new KeyPathError(kind, step, part, items[j]);
                        return false;
                    }

                    usedApostrophe |= apostrophe;
                }

                // BIP389: the same index may not appear twice.
                if (alternatives.Distinct().Count() != alternatives.Length)
                {
                    error = new KeyPathError(KeyPathErrorKind.MultipathDuplicate, step, part, part);
                    return false;
                }

                steps[count++] = alternatives;
                continue;
            }

            if (!TryParseIndex(part, grammar, out var index, out var used, out var stepError))
            {
                error = new KeyPathError(stepError, step, part, part);
                return false;
            }

            usedApostrophe |= used;
            steps[count++] = [index];
        }

        path = new ParsedKeyPath(steps[..count], wildcard, usedApostrophe);
        error = default;
        return true;
    }

    // BIP380: hardened markers are ' and h; BIP32 wallets also write H.
    private static bool IsHardenedMarker(char c, KeyPathGrammar grammar) =>
        c is '\'' or 'h' || (c == 'H' && (grammar & KeyPathGrammar.UpperCaseHardened) != 0);

    private static bool IsAsciiDigits(ReadOnlySpan<char> span)
    {
        foreach (var c in span)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        return true;
    }
}
