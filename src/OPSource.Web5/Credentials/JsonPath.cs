using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace OPSource.Web5.Credentials;

/// <summary>One node a JSONPath query selected: its value (null is JSON null) and its normalized path.</summary>
/// <param name="Value">The value.</param>
/// <param name="Path">The normalized path (RFC 9535 section 2.7), e.g. <c>$['vc']['type'][0]</c>.</param>
public readonly record struct JsonPathNode(JsonNode? Value, string Path);

/// <summary>
/// A compiled JSONPath query (RFC 9535): root <c>$</c>, child segments (<c>.name</c>, <c>['name']</c>,
/// <c>[0]</c>, <c>[-1]</c>, <c>[start:end:step]</c>, <c>[*]</c>, unions <c>[0,'a']</c>), descendant segments
/// (<c>..</c>) and filters (<c>[?@.price &lt; 10 &amp;&amp; @.tag]</c>, the legacy parenthesised
/// <c>[?(...)]</c> form, the functions <c>length</c>, <c>count</c>, <c>match</c>, <c>search</c>, <c>value</c>).
/// As Presentation Exchange definitions commonly do, a dot member name may start with <c>@</c>
/// (<c>$.@context</c>). Script expressions (<c>[(@.length-1)]</c>) are not JSONPath and are refused.
/// </summary>
public sealed class JsonPath
{
    private readonly Segment[] _segments;

    private JsonPath(string text, Segment[] segments)
    {
        Text = text;
        _segments = segments;
    }

    /// <summary>The query text.</summary>
    public string Text { get; }

    /// <inheritdoc />
    public override string ToString() => Text;

    /// <summary>Parses a query; false with a message naming the position when it is not valid JSONPath.</summary>
    public static bool TryParse(string? text, out JsonPath? path, out string? error)
    {
        var ok = TryParseCore(text, out path, out var typed);
        error = typed?.Message;
        return ok;
    }

    // False with the typed error (InvalidJsonPath, the character index) when the text is not valid JSONPath.
    private static bool TryParseCore(string? text, out JsonPath? path, out Web5FormatError? error)
    {
        path = null;
        error = null;
        if (string.IsNullOrEmpty(text))
        {
            error = new Web5FormatError(Web5FormatErrorKind.InvalidJsonPath, "jsonpath: empty", 0);
            return false;
        }

        try
        {
            var parser = new Parser(text);
            var segments = parser.ParseQuery(root: true);
            parser.ExpectEnd();
            path = new JsonPath(text, segments);
            return true;
        }
        catch (Bitcoin.BitcoinFormatException e) when (e.Error is Web5FormatError typed)
        {
            // The recursive-descent parser unwinds with its typed error; nothing else is caught.
            error = typed;
            return false;
        }
    }

    /// <summary>Parses a query or throws <see cref="Bitcoin.BitcoinFormatException"/> (<see cref="Web5FormatErrorKind.InvalidJsonPath"/>, with the position).</summary>
    public static JsonPath Parse(string text) => TryParseCore(text, out var path, out var error) ? path! : throw error!.ToException();

    /// <summary>The nodes the query selects in <paramref name="root"/>, in document order of selection.</summary>
    public IReadOnlyList<JsonPathNode> Select(JsonNode? root) => Evaluate(_segments, root, root, "$");

    private static List<JsonPathNode> Evaluate(Segment[] segments, JsonNode? start, JsonNode? root, string startPath)
    {
        var current = new List<JsonPathNode> { new(start, startPath) };
        foreach (var segment in segments)
        {
            var next = new List<JsonPathNode>();
            foreach (var node in current)
            {
                if (segment.Descendant)
                {
                    foreach (var d in Descendants(node))
                    {
                        ApplySelectors(segment.Selectors, d, root, next);
                    }
                }
                else
                {
                    ApplySelectors(segment.Selectors, node, root, next);
                }
            }

            current = next;
        }

        return current;
    }

    // RFC 9535 2.5.2.2: the node itself, then its descendants in document order.
    private static IEnumerable<JsonPathNode> Descendants(JsonPathNode node)
    {
        yield return node;
        switch (node.Value)
        {
            case JsonObject o:
                foreach (var (k, v) in o)
                {
                    foreach (var d in Descendants(new JsonPathNode(v, node.Path + NameSegment(k))))
                    {
                        yield return d;
                    }
                }

                break;
            case JsonArray a:
                for (var i = 0; i < a.Count; i++)
                {
                    foreach (var d in Descendants(new JsonPathNode(a[i], node.Path + "[" + i.ToString(CultureInfo.InvariantCulture) + "]")))
                    {
                        yield return d;
                    }
                }

                break;
        }
    }

    private static void ApplySelectors(Selector[] selectors, JsonPathNode node, JsonNode? root, List<JsonPathNode> output)
    {
        foreach (var selector in selectors)
        {
            switch (selector)
            {
                case NameSelector n when node.Value is JsonObject o:
                    if (o.TryGetPropertyValue(n.Name, out var child))
                    {
                        output.Add(new JsonPathNode(child, node.Path + NameSegment(n.Name)));
                    }

                    break;
                case WildcardSelector:
                    foreach (var c in Children(node))
                    {
                        output.Add(c);
                    }

                    break;
                case IndexSelector ix when node.Value is JsonArray a:
                    var index = ix.Index < 0 ? a.Count + ix.Index : ix.Index;
                    if (index >= 0 && index < a.Count)
                    {
                        output.Add(new JsonPathNode(a[(int)index], node.Path + "[" + index.ToString(CultureInfo.InvariantCulture) + "]"));
                    }

                    break;
                case SliceSelector s when node.Value is JsonArray a:
                    foreach (var i in s.Indices(a.Count))
                    {
                        output.Add(new JsonPathNode(a[i], node.Path + "[" + i.ToString(CultureInfo.InvariantCulture) + "]"));
                    }

                    break;
                case FilterSelector f:
                    foreach (var c in Children(node))
                    {
                        if (f.Expression.Test(c.Value, root))
                        {
                            output.Add(c);
                        }
                    }

                    break;
            }
        }
    }

    private static IEnumerable<JsonPathNode> Children(JsonPathNode node)
    {
        switch (node.Value)
        {
            case JsonObject o:
                foreach (var (k, v) in o)
                {
                    yield return new JsonPathNode(v, node.Path + NameSegment(k));
                }

                break;
            case JsonArray a:
                for (var i = 0; i < a.Count; i++)
                {
                    yield return new JsonPathNode(a[i], node.Path + "[" + i.ToString(CultureInfo.InvariantCulture) + "]");
                }

                break;
        }
    }

    // RFC 9535 2.7: normalized paths quote names with single quotes and escape \ and '.
    private static string NameSegment(string name)
    {
        var sb = new StringBuilder("['");
        foreach (var ch in name)
        {
            switch (ch)
            {
                case '\\': sb.Append("\\\\"); break;
                case '\'': sb.Append("\\'"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                default:
                    if (ch < 0x20)
                    {
                        sb.Append("\\u").Append(((int)ch).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        sb.Append(ch);
                    }

                    break;
            }
        }

        return sb.Append("']").ToString();
    }

    private sealed record Segment(bool Descendant, Selector[] Selectors);

    private abstract record Selector;

    private sealed record NameSelector(string Name) : Selector;

    private sealed record WildcardSelector : Selector;

    private sealed record IndexSelector(long Index) : Selector;

    private sealed record FilterSelector(Expr Expression) : Selector;

    private sealed record SliceSelector(long? Start, long? End, long Step) : Selector
    {
        // RFC 9535 2.3.4.2.2: normalized bounds, empty when step is 0.
        public IEnumerable<int> Indices(int length)
        {
            if (Step == 0)
            {
                yield break;
            }

            static long Normalize(long i, int len) => i >= 0 ? i : len + i;
            long lower, upper;
            if (Step > 0)
            {
                var start = Start is null ? 0 : Normalize(Start.Value, length);
                var end = End is null ? length : Normalize(End.Value, length);
                lower = Math.Min(Math.Max(start, 0), length);
                upper = Math.Min(Math.Max(end, 0), length);
                for (var i = lower; i < upper; i += Step)
                {
                    yield return (int)i;
                }
            }
            else
            {
                var start = Start is null ? length - 1 : Normalize(Start.Value, length);
                var end = End is null ? -length - 1 : Normalize(End.Value, length);
                upper = Math.Min(Math.Max(start, -1), length - 1);
                lower = Math.Min(Math.Max(end, -1), length - 1);
                for (var i = upper; lower < i; i += Step)
                {
                    yield return (int)i;
                }
            }
        }
    }

    // ----- filter expressions (RFC 9535 2.3.5) -----

    /// <summary>A value in a comparison: Nothing, or a JSON value (null included).</summary>
    private readonly record struct Value(bool Exists, JsonNode? Node)
    {
        public static readonly Value Nothing = new(false, null);
    }

    private abstract record Expr
    {
        public abstract bool Test(JsonNode? current, JsonNode? root);
    }

    private sealed record OrExpr(Expr Left, Expr Right) : Expr
    {
        public override bool Test(JsonNode? current, JsonNode? root) => Left.Test(current, root) || Right.Test(current, root);
    }

    private sealed record AndExpr(Expr Left, Expr Right) : Expr
    {
        public override bool Test(JsonNode? current, JsonNode? root) => Left.Test(current, root) && Right.Test(current, root);
    }

    private sealed record NotExpr(Expr Inner) : Expr
    {
        public override bool Test(JsonNode? current, JsonNode? root) => !Inner.Test(current, root);
    }

    /// <summary>A query used as a test: true when it selects at least one node.</summary>
    private sealed record ExistsExpr(QueryOperand Query) : Expr
    {
        public override bool Test(JsonNode? current, JsonNode? root) => Query.Nodes(current, root).Count > 0;
    }

    private sealed record LogicalFunctionExpr(FunctionOperand Function) : Expr
    {
        public override bool Test(JsonNode? current, JsonNode? root) => Function.Logical(current, root);
    }

    private sealed record CompareExpr(Operand Left, string Op, Operand Right) : Expr
    {
        public override bool Test(JsonNode? current, JsonNode? root)
        {
            var l = Left.ValueOf(current, root);
            var r = Right.ValueOf(current, root);
            return Op switch
            {
                "==" => EqualValues(l, r),
                "!=" => !EqualValues(l, r),
                "<" => Less(l, r),
                "<=" => Less(l, r) || EqualValues(l, r),
                ">" => Less(r, l),
                ">=" => Less(r, l) || EqualValues(l, r),
                _ => false,
            };
        }

        private static bool EqualValues(Value a, Value b)
        {
            if (!a.Exists || !b.Exists)
            {
                return !a.Exists && !b.Exists;
            }

            return JsonEquals(a.Node, b.Node);
        }

        private static bool Less(Value a, Value b)
        {
            if (!a.Exists || !b.Exists || a.Node is not JsonValue x || b.Node is not JsonValue y)
            {
                return false;
            }

            if (x.GetValueKind() == JsonValueKind.Number && y.GetValueKind() == JsonValueKind.Number)
            {
                return TryDecimal(x, out var dx) && TryDecimal(y, out var dy) ? dx < dy : Double(x) < Double(y);
            }

            if (x.GetValueKind() == JsonValueKind.String && y.GetValueKind() == JsonValueKind.String)
            {
                return string.CompareOrdinal(x.GetValue<string>(), y.GetValue<string>()) < 0;
            }

            return false;
        }
    }

    private abstract record Operand
    {
        public abstract Value ValueOf(JsonNode? current, JsonNode? root);
    }

    private sealed record LiteralOperand(JsonNode? Literal) : Operand
    {
        public override Value ValueOf(JsonNode? current, JsonNode? root) => new(true, Literal);
    }

    private sealed record QueryOperand(bool Relative, Segment[] Segments) : Operand
    {
        public bool Singular => Segments.All(s => !s.Descendant && s.Selectors.Length == 1 && s.Selectors[0] is NameSelector or IndexSelector);

        public List<JsonPathNode> Nodes(JsonNode? current, JsonNode? root) => Evaluate(Segments, Relative ? current : root, root, Relative ? "@" : "$");

        public override Value ValueOf(JsonNode? current, JsonNode? root)
        {
            var nodes = Nodes(current, root);
            return nodes.Count == 1 ? new Value(true, nodes[0].Value) : Value.Nothing;
        }
    }

    private sealed record FunctionOperand(string Name, object[] Arguments) : Operand
    {
        public override Value ValueOf(JsonNode? current, JsonNode? root)
        {
            switch (Name)
            {
                case "length":
                    {
                        var v = ArgumentValue(0, current, root);
                        return v.Node switch
                        {
                            JsonValue s when v.Exists && s.GetValueKind() == JsonValueKind.String => new Value(true, JsonValue.Create(new StringInfo(s.GetValue<string>()).LengthInTextElements)),
                            JsonArray a when v.Exists => new Value(true, JsonValue.Create(a.Count)),
                            JsonObject o when v.Exists => new Value(true, JsonValue.Create(o.Count)),
                            _ => Value.Nothing,
                        };
                    }

                case "count":
                    return new Value(true, JsonValue.Create(((QueryOperand)Arguments[0]).Nodes(current, root).Count));
                case "value":
                    {
                        var nodes = ((QueryOperand)Arguments[0]).Nodes(current, root);
                        return nodes.Count == 1 ? new Value(true, nodes[0].Value) : Value.Nothing;
                    }

                default:
                    return Value.Nothing;
            }
        }

        public bool Logical(JsonNode? current, JsonNode? root)
        {
            if (Name is not ("match" or "search"))
            {
                return false;
            }

            var s = ArgumentValue(0, current, root);
            var p = ArgumentValue(1, current, root);
            if (!s.Exists || !p.Exists || s.Node is not JsonValue sv || sv.GetValueKind() != JsonValueKind.String || p.Node is not JsonValue pv || pv.GetValueKind() != JsonValueKind.String)
            {
                return false;
            }

            // RFC 9535 2.4.6/2.4.7 take I-Regexp (RFC 9485); .NET's engine runs that subset.
            try
            {
                var pattern = pv.GetValue<string>();
                var regex = new Regex(Name == "match" ? "^(?:" + pattern + ")$" : pattern, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
                return regex.IsMatch(sv.GetValue<string>());
            }
            catch (ArgumentException)
            {
                return false;
            }
            catch (RegexMatchTimeoutException)
            {
                return false;
            }
        }

        private Value ArgumentValue(int i, JsonNode? current, JsonNode? root) => Arguments[i] switch
        {
            Operand o => o.ValueOf(current, root),
            _ => Value.Nothing,
        };
    }

    // A number node's value whatever backs it (parsed JSON, or a value created from an int/long/double).
    internal static bool TryDecimal(JsonValue v, out decimal value)
    {
        if (v.TryGetValue(out value))
        {
            return true;
        }

        if (v.TryGetValue<long>(out var l))
        {
            value = l;
            return true;
        }

        if (v.TryGetValue<int>(out var i))
        {
            value = i;
            return true;
        }

        return false;
    }

    internal static double Double(JsonValue v) =>
        v.TryGetValue<double>(out var d) ? d : TryDecimal(v, out var m) ? (double)m : v.TryGetValue<float>(out var f) ? f : double.NaN;

    /// <summary>JSON equality as RFC 9535 2.3.5.2.2 defines it (numbers by value, objects unordered).</summary>
    internal static bool JsonEquals(JsonNode? a, JsonNode? b)
    {
        if (a is null || b is null)
        {
            return a is null && b is null;
        }

        if (a is JsonValue x && b is JsonValue y && x.GetValueKind() == JsonValueKind.Number && y.GetValueKind() == JsonValueKind.Number)
        {
            return TryDecimal(x, out var dx) && TryDecimal(y, out var dy) ? dx == dy : Double(x) == Double(y);
        }

        return JsonNode.DeepEquals(a, b);
    }

    // ----- parser -----

    private sealed class Parser(string text)
    {
        private int _pos;

        private Bitcoin.BitcoinFormatException Error(string what) => Web5FormatError.Exception(Web5FormatErrorKind.InvalidJsonPath, $"jsonpath: {what} at position {_pos} in '{text}'", _pos);

        private char Peek(int ahead = 0) => _pos + ahead < text.Length ? text[_pos + ahead] : '\0';

        private bool AtEnd => _pos >= text.Length;

        public void ExpectEnd()
        {
            if (!AtEnd)
            {
                throw Error($"unexpected '{Peek()}'");
            }
        }

        private void SkipBlank()
        {
            while (!AtEnd && Peek() is ' ' or '\t' or '\n' or '\r')
            {
                _pos++;
            }
        }

        public Segment[] ParseQuery(bool root)
        {
            var start = root ? '$' : Peek();
            if (Peek() != start || (start != '$' && start != '@'))
            {
                throw Error("a query starts with $");
            }

            _pos++;
            var segments = new List<Segment>();
            while (true)
            {
                // RFC 9535 2.5: blank space may precede each segment (segments = *(S segment)).
                var save = _pos;
                SkipBlank();

                if (Peek() == '.' && Peek(1) == '.')
                {
                    _pos += 2;
                    if (Peek() == '[')
                    {
                        segments.Add(new Segment(true, ParseBracket()));
                    }
                    else if (Peek() == '*')
                    {
                        _pos++;
                        segments.Add(new Segment(true, [new WildcardSelector()]));
                    }
                    else
                    {
                        segments.Add(new Segment(true, [new NameSelector(ParseMemberName())]));
                    }
                }
                else if (Peek() == '.')
                {
                    _pos++;
                    if (Peek() == '*')
                    {
                        _pos++;
                        segments.Add(new Segment(false, [new WildcardSelector()]));
                    }
                    else
                    {
                        segments.Add(new Segment(false, [new NameSelector(ParseMemberName())]));
                    }
                }
                else if (Peek() == '[')
                {
                    segments.Add(new Segment(false, ParseBracket()));
                }
                else
                {
                    _pos = save;
                    return [.. segments];
                }
            }
        }

        // RFC 9535 2.5.1.1 member-name-shorthand: name-first (ALPHA / "_" / non-ASCII) then name-chars
        // (name-first / DIGIT); "@" allowed first for Presentation Exchange's "$.@context".
        private string ParseMemberName()
        {
            var start = _pos;
            if (Peek() == '@')
            {
                _pos++;
            }

            while (!AtEnd && (char.IsAsciiLetter(Peek()) || Peek() == '_' || Peek() > 0x7f || (_pos > start && char.IsAsciiDigit(Peek()))))
            {
                _pos++;
            }

            if (_pos == start || (_pos == start + 1 && text[start] == '@'))
            {
                throw Error("a member name is expected");
            }

            return text[start.._pos];
        }

        private Selector[] ParseBracket()
        {
            _pos++; // [
            var selectors = new List<Selector>();
            while (true)
            {
                SkipBlank();
                selectors.Add(ParseSelector());
                SkipBlank();
                if (Peek() == ',')
                {
                    _pos++;
                    continue;
                }

                if (Peek() == ']')
                {
                    _pos++;
                    return [.. selectors];
                }

                throw Error("']' or ',' expected");
            }
        }

        private Selector ParseSelector()
        {
            var c = Peek();
            if (c is '\'' or '"')
            {
                return new NameSelector(ParseStringLiteral());
            }

            if (c == '*')
            {
                _pos++;
                return new WildcardSelector();
            }

            if (c == '?')
            {
                _pos++;
                SkipBlank();
                return new FilterSelector(ParseOr());
            }

            if (c == '-' || char.IsAsciiDigit(c) || c == ':')
            {
                long? first = c == ':' ? null : ParseInteger();
                SkipBlank();
                if (Peek() != ':')
                {
                    return new IndexSelector(first!.Value);
                }

                _pos++;
                SkipBlank();
                long? end = Peek() == '-' || char.IsAsciiDigit(Peek()) ? ParseInteger() : null;
                SkipBlank();
                long step = 1;
                if (Peek() == ':')
                {
                    _pos++;
                    SkipBlank();
                    if (Peek() == '-' || char.IsAsciiDigit(Peek()))
                    {
                        step = ParseInteger();
                    }
                }

                return new SliceSelector(first, end, step);
            }

            throw Error(c == '(' ? "script expressions are not JSONPath" : "a selector is expected");
        }

        // RFC 9535 2.1: integers in the I-JSON range, no leading zeros, no -0.
        private long ParseInteger()
        {
            var start = _pos;
            if (Peek() == '-')
            {
                _pos++;
            }

            var digits = _pos;
            while (char.IsAsciiDigit(Peek()))
            {
                _pos++;
            }

            var s = text[start.._pos];
            if (_pos == digits || (text[digits] == '0' && _pos - digits > 1) || s == "-0")
            {
                throw Error("an integer is expected");
            }

            if (!long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) || Math.Abs(value) > 9007199254740991)
            {
                throw Error("integer out of range");
            }

            return value;
        }

        private string ParseStringLiteral()
        {
            var quote = Peek();
            _pos++;
            var sb = new StringBuilder();
            while (true)
            {
                if (AtEnd)
                {
                    throw Error("unterminated string");
                }

                var ch = text[_pos++];
                if (ch == quote)
                {
                    return sb.ToString();
                }

                if (ch < 0x20)
                {
                    throw Error("control character in a string");
                }

                if (ch != '\\')
                {
                    sb.Append(ch);
                    continue;
                }

                var e = Peek();
                _pos++;
                switch (e)
                {
                    case 'b': sb.Append('\b'); break;
                    case 'f': sb.Append('\f'); break;
                    case 'n': sb.Append('\n'); break;
                    case 'r': sb.Append('\r'); break;
                    case 't': sb.Append('\t'); break;
                    case '/': sb.Append('/'); break;
                    case '\\': sb.Append('\\'); break;
                    case '\'' when quote == '\'': sb.Append('\''); break;
                    case '"' when quote == '"': sb.Append('"'); break;
                    case 'u':
                        if (_pos + 4 > text.Length || !int.TryParse(text.AsSpan(_pos, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var code))
                        {
                            throw Error("bad \\u escape");
                        }

                        _pos += 4;
                        sb.Append((char)code);
                        break;
                    default:
                        throw Error("bad escape");
                }
            }
        }

        private Expr ParseOr()
        {
            var left = ParseAnd();
            while (true)
            {
                SkipBlank();
                if (Peek() == '|' && Peek(1) == '|')
                {
                    _pos += 2;
                    SkipBlank();
                    left = new OrExpr(left, ParseAnd());
                }
                else
                {
                    return left;
                }
            }
        }

        private Expr ParseAnd()
        {
            var left = ParseBasic();
            while (true)
            {
                SkipBlank();
                if (Peek() == '&' && Peek(1) == '&')
                {
                    _pos += 2;
                    SkipBlank();
                    left = new AndExpr(left, ParseBasic());
                }
                else
                {
                    return left;
                }
            }
        }

        private Expr ParseBasic()
        {
            SkipBlank();
            if (Peek() == '!')
            {
                _pos++;
                SkipBlank();
                if (Peek() == '(')
                {
                    return new NotExpr(ParseParen());
                }

                var operand = ParseOperand();
                return operand switch
                {
                    QueryOperand q => new NotExpr(new ExistsExpr(q)),
                    FunctionOperand { Name: "match" or "search" } f => new NotExpr(new LogicalFunctionExpr(f)),
                    _ => throw Error("'!' needs a query, a logical function or a parenthesised expression"),
                };
            }

            if (Peek() == '(')
            {
                return ParseParen();
            }

            var left = ParseOperand();
            SkipBlank();
            var op = ParseComparisonOperator();
            if (op is null)
            {
                return left switch
                {
                    QueryOperand q => new ExistsExpr(q),
                    FunctionOperand { Name: "match" or "search" } f => new LogicalFunctionExpr(f),
                    _ => throw Error("a comparison or a test is expected"),
                };
            }

            SkipBlank();
            var right = ParseOperand();
            CheckComparable(left);
            CheckComparable(right);
            return new CompareExpr(left, op, right);
        }

        // RFC 9535 2.3.5.1: only singular queries and value-returning functions are comparable.
        private void CheckComparable(Operand operand)
        {
            if (operand is QueryOperand { Singular: false })
            {
                throw Error("a comparison needs a singular query");
            }

            if (operand is FunctionOperand { Name: "match" or "search" })
            {
                throw Error("match()/search() cannot be compared");
            }
        }

        private Expr ParseParen()
        {
            _pos++; // (
            SkipBlank();
            var inner = ParseOr();
            SkipBlank();
            if (Peek() != ')')
            {
                throw Error("')' expected");
            }

            _pos++;
            return inner;
        }

        private string? ParseComparisonOperator()
        {
            foreach (var op in (string[])["==", "!=", "<=", ">=", "<", ">"])
            {
                if (string.CompareOrdinal(text, _pos, op, 0, op.Length) == 0)
                {
                    _pos += op.Length;
                    return op;
                }
            }

            return null;
        }

        private Operand ParseOperand()
        {
            var c = Peek();
            if (c is '@' or '$')
            {
                var relative = c == '@';
                var segments = ParseQuery(root: false);
                return new QueryOperand(relative, segments);
            }

            if (c is '\'' or '"')
            {
                return new LiteralOperand(JsonValue.Create(ParseStringLiteral()));
            }

            if (c == '-' || char.IsAsciiDigit(c))
            {
                var start = _pos;
                if (c == '-')
                {
                    _pos++;
                }

                while (char.IsAsciiDigit(Peek()) || Peek() is '.' or 'e' or 'E' || (Peek() is '+' or '-' && text[_pos - 1] is 'e' or 'E'))
                {
                    _pos++;
                }

                var s = text[start.._pos];
                if (!double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out _) || s.EndsWith('.'))
                {
                    throw Error("bad number");
                }

                return new LiteralOperand(JsonNode.Parse(s.StartsWith("-0", StringComparison.Ordinal) && s.Length > 2 && char.IsAsciiDigit(s[2]) ? throw Error("bad number") : s));
            }

            foreach (var (word, value) in (ReadOnlySpan<(string, JsonNode?)>)[("true", JsonValue.Create(true)), ("false", JsonValue.Create(false)), ("null", null)])
            {
                if (string.CompareOrdinal(text, _pos, word, 0, word.Length) == 0 && !char.IsAsciiLetterOrDigit(Peek(word.Length)) && Peek(word.Length) != '(')
                {
                    _pos += word.Length;
                    return new LiteralOperand(value);
                }
            }

            if (char.IsAsciiLetterLower(c))
            {
                var start = _pos;
                while (char.IsAsciiLetterLower(Peek()) || char.IsAsciiDigit(Peek()) || Peek() == '_')
                {
                    _pos++;
                }

                var name = text[start.._pos];
                if (Peek() != '(')
                {
                    throw Error($"unknown word '{name}'");
                }

                _pos++;
                var args = new List<object>();
                SkipBlank();
                while (Peek() != ')')
                {
                    SkipBlank();
                    args.Add(ParseOperand());
                    SkipBlank();
                    if (Peek() == ',')
                    {
                        _pos++;
                    }
                    else if (Peek() != ')')
                    {
                        throw Error("',' or ')' expected");
                    }
                }

                _pos++;
                var arity = name switch
                {
                    "length" or "count" or "value" => 1,
                    "match" or "search" => 2,
                    _ => throw Error($"unknown function '{name}'"),
                };
                if (args.Count != arity)
                {
                    throw Error($"{name}() takes {arity} argument(s)");
                }

                if (name is "count" or "value" && args[0] is not QueryOperand)
                {
                    throw Error($"{name}() takes a query");
                }

                return new FunctionOperand(name, [.. args]);
            }

            throw Error("an operand is expected");
        }
    }
}
