using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using OPSource.Bitcoin.Encoding;

namespace OPSource.Layers.Stacks.Clarity;

/// <summary>
/// The readable form of Clarity values: Clarity literal syntax (<c>u5</c>, <c>-3</c>, <c>0x0102</c>,
/// <c>'ST...</c>, <c>'ST....name</c>, <c>"ascii"</c>, <c>u"utf8 \u{1f600}"</c>, <c>(some v)</c>, <c>none</c>,
/// <c>(ok v)</c>, <c>(err v)</c>, <c>(list a b)</c>, <c>(tuple (k v))</c> or <c>{k: v}</c>). Printing then
/// parsing gives the same value; the parser also reads stacks.js's <c>cvToString</c> output.
/// </summary>
public static class ClarityText
{
    /// <summary>Prints a value.</summary>
    public static string Print(ClarityValue value)
    {
        var sb = new StringBuilder();
        Print(sb, value);
        return sb.ToString();
    }

    private static void Print(StringBuilder sb, ClarityValue value)
    {
        switch (value)
        {
            case ClarityInt i:
                sb.Append(i.Value.ToString(CultureInfo.InvariantCulture));
                break;
            case ClarityUInt u:
                sb.Append('u').Append(u.Value.ToString(CultureInfo.InvariantCulture));
                break;
            case ClarityBuffer b:
                sb.Append("0x").Append(Hex.Encode(b.Bytes));
                break;
            case ClarityBool b:
                sb.Append(b.Value ? "true" : "false");
                break;
            case ClarityStandardPrincipal p:
                sb.Append('\'').Append(p.Address);
                break;
            case ClarityContractPrincipal c:
                sb.Append('\'').Append(c.Address).Append('.').Append(c.Name);
                break;
            case ClarityResponse r:
                sb.Append(r.IsOk ? "(ok " : "(err ");
                Print(sb, r.Value);
                sb.Append(')');
                break;
            case ClarityOptional { Value: null }:
                sb.Append("none");
                break;
            case ClarityOptional o:
                sb.Append("(some ");
                Print(sb, o.Value!);
                sb.Append(')');
                break;
            case ClarityList l:
                sb.Append("(list");
                foreach (var item in l.Items)
                {
                    sb.Append(' ');
                    Print(sb, item);
                }

                sb.Append(')');
                break;
            case ClarityTuple t:
                sb.Append("(tuple");
                foreach (var (key, item) in t.Entries)
                {
                    sb.Append(" (").Append(key).Append(' ');
                    Print(sb, item);
                    sb.Append(')');
                }

                sb.Append(')');
                break;
            case ClarityStringAscii s:
                sb.Append('"');
                foreach (char c in s.Value)
                {
                    AppendEscaped(sb, c);
                }

                sb.Append('"');
                break;
            case ClarityStringUtf8 s:
                sb.Append("u\"");
                foreach (Rune rune in s.Value.EnumerateRunes())
                {
                    if (rune.Value < 0x80)
                    {
                        AppendEscaped(sb, (char)rune.Value);
                    }
                    else
                    {
                        sb.Append("\\u{").Append(rune.Value.ToString("x", CultureInfo.InvariantCulture)).Append('}');
                    }
                }

                sb.Append('"');
                break;
        }
    }

    private static void AppendEscaped(StringBuilder sb, char c)
    {
        switch (c)
        {
            case '"': sb.Append("\\\""); break;
            case '\\': sb.Append("\\\\"); break;
            case '\n': sb.Append("\\n"); break;
            case '\t': sb.Append("\\t"); break;
            case '\r': sb.Append("\\r"); break;
            default: sb.Append(c); break;
        }
    }

    /// <summary>Parses one value; throws <see cref="StacksException"/> (<c>clarity_parse</c>) naming the position.</summary>
    public static ClarityValue Parse(string text)
    {
        var parser = new Parser(text);
        var value = parser.ParseValue(1);
        parser.SkipSpace();
        if (!parser.AtEnd)
        {
            throw parser.Error("unexpected text after the value");
        }

        return value;
    }

    /// <summary>Parses a value and checks it against <paramref name="type"/>.</summary>
    public static ClarityValue Parse(string text, ClarityType type)
    {
        var value = Parse(text);
        type.Check(value);
        return value;
    }

    private sealed class Parser(string text)
    {
        private int _pos;

        public bool AtEnd => _pos >= text.Length;

        public StacksException Error(string message) =>
            new("clarity_parse", $"clarity: {message} at position {_pos} of '{(text.Length > 80 ? text[..80] + "..." : text)}'");

        public void SkipSpace()
        {
            while (!AtEnd && (char.IsWhiteSpace(text[_pos]) || text[_pos] == ','))
            {
                _pos++;
            }
        }

        public ClarityValue ParseValue(int depth)
        {
            if (depth > ClarityCodec.MaxDepth)
            {
                throw Error($"values nest deeper than {ClarityCodec.MaxDepth}");
            }

            SkipSpace();
            if (AtEnd)
            {
                throw Error("expected a value");
            }

            char c = text[_pos];
            if (c == '(')
            {
                _pos++;
                SkipSpace();
                string head = Atom();
                ClarityValue result;
                switch (head)
                {
                    case "ok":
                    case "err":
                        result = new ClarityResponse(head == "ok", ParseValue(depth + 1));
                        break;
                    case "some":
                        result = new ClarityOptional(ParseValue(depth + 1));
                        break;
                    case "list":
                        var items = ImmutableArray.CreateBuilder<ClarityValue>();
                        while (true)
                        {
                            SkipSpace();
                            if (!AtEnd && text[_pos] == ')')
                            {
                                break;
                            }

                            items.Add(ParseValue(depth + 1));
                        }

                        result = new ClarityList(items.ToImmutable());
                        break;
                    case "tuple":
                        var entries = new List<KeyValuePair<string, ClarityValue>>();
                        while (true)
                        {
                            SkipSpace();
                            if (!AtEnd && text[_pos] == ')')
                            {
                                break;
                            }

                            Expect('(');
                            SkipSpace();
                            string key = Atom();
                            entries.Add(KeyValuePair.Create(key, ParseValue(depth + 1)));
                            SkipSpace();
                            Expect(')');
                        }

                        result = Tuple(entries);
                        break;
                    default:
                        throw Error($"unknown form '({head}'");
                }

                SkipSpace();
                Expect(')');
                return result;
            }

            if (c == '{')
            {
                _pos++;
                var entries = new List<KeyValuePair<string, ClarityValue>>();
                while (true)
                {
                    SkipSpace();
                    if (!AtEnd && text[_pos] == '}')
                    {
                        _pos++;
                        break;
                    }

                    string key = Atom().TrimEnd(':');
                    SkipSpace();
                    if (!AtEnd && text[_pos] == ':')
                    {
                        _pos++;
                    }

                    entries.Add(KeyValuePair.Create(key, ParseValue(depth + 1)));
                }

                return Tuple(entries);
            }

            if (c == '"')
            {
                return new ClarityStringAscii(QuotedString(ascii: true));
            }

            if (c == 'u' && _pos + 1 < text.Length && text[_pos + 1] == '"')
            {
                _pos++;
                return new ClarityStringUtf8(QuotedString(ascii: false));
            }

            int start = _pos;
            string atom = Atom();
            try
            {
                return AtomValue(atom);
            }
            catch (StacksException e) when (e.Code != "clarity_parse")
            {
                _pos = start;
                throw Error(e.Message);
            }
        }

        private ClarityTuple Tuple(List<KeyValuePair<string, ClarityValue>> entries)
        {
            try
            {
                return new ClarityTuple(entries);
            }
            catch (StacksException e)
            {
                throw Error(e.Message);
            }
        }

        private ClarityValue AtomValue(string atom)
        {
            switch (atom)
            {
                case "true": return new ClarityBool(true);
                case "false": return new ClarityBool(false);
                case "none": return new ClarityOptional((ClarityValue?)null);
            }

            if (atom.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
            {
                return Hex.TryParse(atom[2..], out byte[] bytes, out var error)
                    ? new ClarityBuffer(bytes)
                    : throw Error($"buffer {atom}: {error}");
            }

            if (atom[0] == 'u' && atom.Length > 1 && char.IsAsciiDigit(atom[1]))
            {
                return UInt128.TryParse(atom.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out UInt128 u)
                    ? new ClarityUInt(u)
                    : throw new StacksException("clarity_type", $"clarity: {atom} does not fit uint (0 to 2^128-1)");
            }

            if (char.IsAsciiDigit(atom[0]) || (atom[0] == '-' && atom.Length > 1 && char.IsAsciiDigit(atom[1])))
            {
                return Int128.TryParse(atom, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out Int128 i)
                    ? new ClarityInt(i)
                    : throw new StacksException("clarity_type", $"clarity: {atom} does not fit int (-2^127 to 2^127-1)");
            }

            if (atom[0] is '\'' or 'S')
            {
                return Cv.Principal(atom);
            }

            throw Error($"'{atom}' is not a Clarity value");
        }

        private string Atom()
        {
            int start = _pos;
            while (!AtEnd && !char.IsWhiteSpace(text[_pos]) && text[_pos] is not ('(' or ')' or '{' or '}' or ',' or '"'))
            {
                if (text[_pos] == ':' && _pos > start)
                {
                    _pos++;
                    break;
                }

                _pos++;
            }

            if (_pos == start)
            {
                throw Error("expected a name or value");
            }

            return text[start.._pos];
        }

        private void Expect(char c)
        {
            if (AtEnd || text[_pos] != c)
            {
                throw Error($"expected '{c}'");
            }

            _pos++;
        }

        private string QuotedString(bool ascii)
        {
            Expect('"');
            var sb = new StringBuilder();
            while (true)
            {
                if (AtEnd)
                {
                    throw Error("unterminated string");
                }

                char c = text[_pos++];
                if (c == '"')
                {
                    break;
                }

                if (c != '\\')
                {
                    if (ascii && c > 0x7e)
                    {
                        throw new StacksException("clarity_type", $"clarity: string-ascii cannot hold character U+{(int)c:X4} (use u\"...\" for string-utf8)");
                    }

                    sb.Append(c);
                    continue;
                }

                if (AtEnd)
                {
                    throw Error("unterminated escape");
                }

                char e = text[_pos++];
                switch (e)
                {
                    case 'n': sb.Append('\n'); break;
                    case 't': sb.Append('\t'); break;
                    case 'r': sb.Append('\r'); break;
                    case '"': sb.Append('"'); break;
                    case '\\': sb.Append('\\'); break;
                    case 'u' when !ascii && !AtEnd && text[_pos] == '{':
                        int close = text.IndexOf('}', _pos);
                        if (close < 0 || !int.TryParse(text.AsSpan(_pos + 1, close - _pos - 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out int scalar) || !Rune.IsValid(scalar))
                        {
                            throw Error("bad \\u{...} escape");
                        }

                        sb.Append(new Rune(scalar).ToString());
                        _pos = close + 1;
                        break;
                    default:
                        throw Error($"unknown escape '\\{e}'");
                }
            }

            return sb.ToString();
        }
    }
}
