using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using OPSource.Web5.Encoding;

namespace OPSource.Web5.Credentials;

/// <summary>
/// The JSON Schema (draft-07) subset Presentation Exchange filters use (DIF PE v2 section 5.1.1 "Filter":
/// a JSON Schema descriptor), evaluated as ajv + ajv-formats do for @sphereon/pex: <c>type</c>,
/// <c>const</c>, <c>enum</c>, string (<c>pattern</c> unanchored, <c>minLength</c>, <c>maxLength</c>,
/// <c>format</c>), number (<c>minimum</c>, <c>maximum</c>, <c>exclusiveMinimum</c>,
/// <c>exclusiveMaximum</c>, <c>multipleOf</c>), array (<c>items</c>, <c>additionalItems</c>,
/// <c>contains</c>, <c>minItems</c>, <c>maxItems</c>, <c>uniqueItems</c>), object (<c>properties</c>,
/// <c>required</c>, <c>additionalProperties</c>, <c>patternProperties</c>, <c>minProperties</c>,
/// <c>maxProperties</c>), combinators (<c>not</c>, <c>allOf</c>, <c>anyOf</c>, <c>oneOf</c>,
/// <c>if</c>/<c>then</c>/<c>else</c>) and ajv-formats' <c>formatMinimum</c>/<c>formatMaximum</c>/
/// <c>formatExclusiveMinimum</c>/<c>formatExclusiveMaximum</c> for dates and times. Unknown keywords
/// and formats are ignored (ajv with <c>strict: false</c>).
/// </summary>
public static class JsonSchemaFilter
{
    private static readonly string[] TypeNames = ["string", "number", "integer", "boolean", "object", "array", "null"];

    /// <summary>Checks that a filter is a usable schema; the error names the keyword.</summary>
    public static bool TryValidateSchema(JsonNode? schema, out string? error)
    {
        error = Check(schema, "filter");
        return error is null;
    }

    private static string? Check(JsonNode? schema, string at)
    {
        if (schema is JsonValue b && b.GetValueKind() is JsonValueKind.True or JsonValueKind.False)
        {
            return null;
        }

        if (schema is not JsonObject o)
        {
            return $"{at} must be a JSON Schema object";
        }

        foreach (var (k, v) in o)
        {
            var problem = k switch
            {
                "type" => v switch
                {
                    JsonValue t when IsString(t) && TypeNames.Contains(t.GetValue<string>()) => null,
                    JsonArray ta when ta.Count > 0 && ta.All(x => x is JsonValue xv && IsString(xv) && TypeNames.Contains(xv.GetValue<string>())) => null,
                    _ => "must be a JSON type name or a list of them",
                },
                "pattern" => v is JsonValue p && IsString(p) ? (TryRegex(p.GetValue<string>(), out _) ? null : "is not a valid regular expression") : "must be a string",
                "format" => v is JsonValue f && IsString(f) ? null : "must be a string",
                "minLength" or "maxLength" or "minItems" or "maxItems" or "minProperties" or "maxProperties" =>
                    v is JsonValue n && n.GetValueKind() == JsonValueKind.Number && n.TryGetValue<double>(out var d) && d >= 0 && Math.Floor(d) == d ? null : "must be a non-negative integer",
                "minimum" or "maximum" or "exclusiveMinimum" or "exclusiveMaximum" =>
                    v is JsonValue n2 && n2.GetValueKind() == JsonValueKind.Number ? null : "must be a number",
                "multipleOf" => v is JsonValue m && m.GetValueKind() == JsonValueKind.Number && m.GetValue<double>() > 0 ? null : "must be a number above 0",
                "enum" => v is JsonArray ? null : "must be an array",
                "required" => v is JsonArray r && r.All(x => x is JsonValue xv && IsString(xv)) ? null : "must be an array of strings",
                "uniqueItems" => v is JsonValue u && u.GetValueKind() is JsonValueKind.True or JsonValueKind.False ? null : "must be a boolean",
                "not" or "contains" or "additionalProperties" or "additionalItems" or "if" or "then" or "else" => Check(v, $"{at}.{k}"),
                "items" => v is JsonArray ia ? ia.Select((x, i) => Check(x, $"{at}.items[{i}]")).FirstOrDefault(e => e is not null) : Check(v, $"{at}.items"),
                "allOf" or "anyOf" or "oneOf" => v is JsonArray ca && ca.Count > 0
                    ? ca.Select((x, i) => Check(x, $"{at}.{k}[{i}]")).FirstOrDefault(e => e is not null)
                    : "must be a non-empty array of schemas",
                "properties" or "patternProperties" => v is JsonObject po
                    ? po.Select(p => k == "patternProperties" && !TryRegex(p.Key, out _) ? $"{at}.{k}: '{p.Key}' is not a valid regular expression" : Check(p.Value, $"{at}.{k}.{p.Key}")).FirstOrDefault(e => e is not null)
                    : "must be an object",
                _ => null,
            };
            if (problem is not null)
            {
                return problem.StartsWith(at, StringComparison.Ordinal) ? problem : $"{at}.{k} {problem}";
            }
        }

        return null;
    }

    /// <summary>True when <paramref name="value"/> satisfies <paramref name="schema"/>.</summary>
    public static bool Matches(JsonNode? schema, JsonNode? value)
    {
        switch (schema)
        {
            case JsonValue b when b.GetValueKind() == JsonValueKind.True:
                return true;
            case JsonValue b when b.GetValueKind() == JsonValueKind.False:
                return false;
            case not JsonObject:
                return false;
        }

        var s = (JsonObject)schema;
        foreach (var (k, v) in s)
        {
            if (!Keyword(s, k, v, value))
            {
                return false;
            }
        }

        return true;
    }

    private static bool Keyword(JsonObject schema, string keyword, JsonNode? arg, JsonNode? value)
    {
        switch (keyword)
        {
            case "type":
                return arg is JsonArray types ? types.Any(t => HasType(value, t!.GetValue<string>())) : HasType(value, arg!.GetValue<string>());
            case "const":
                return JsonPath.JsonEquals(arg, value);
            case "enum":
                return ((JsonArray)arg!).Any(e => JsonPath.JsonEquals(e, value));
            case "not":
                return !Matches(arg, value);
            case "allOf":
                return ((JsonArray)arg!).All(x => Matches(x, value));
            case "anyOf":
                return ((JsonArray)arg!).Any(x => Matches(x, value));
            case "oneOf":
                return ((JsonArray)arg!).Count(x => Matches(x, value)) == 1;
            case "if":
                return Matches(arg, value)
                    ? !schema.TryGetPropertyValue("then", out var then) || Matches(then, value)
                    : !schema.TryGetPropertyValue("else", out var otherwise) || Matches(otherwise, value);
        }

        if (value is JsonValue sv && IsString(sv))
        {
            var text = sv.GetValue<string>();
            // JSON Schema counts code points (draft-07 6.3.1); ajv uses ucs2length, the same thing.
            var length = CodePoints(text);
            switch (keyword)
            {
                case "pattern":
                    return TryRegex(arg!.GetValue<string>(), out var regex) && Safe(() => regex!.IsMatch(text));
                case "minLength":
                    return length >= arg!.GetValue<double>();
                case "maxLength":
                    return length <= arg!.GetValue<double>();
                case "format":
                    return Format(arg!.GetValue<string>(), text);
                case "formatMinimum" or "formatMaximum" or "formatExclusiveMinimum" or "formatExclusiveMaximum":
                    return FormatBound(schema, keyword, arg, text);
            }
        }

        if (value is JsonValue nv && nv.GetValueKind() == JsonValueKind.Number && arg is JsonValue a && a.GetValueKind() == JsonValueKind.Number)
        {
            var x = nv.GetValue<double>();
            var limit = a.GetValue<double>();
            switch (keyword)
            {
                case "minimum": return x >= limit;
                case "maximum": return x <= limit;
                case "exclusiveMinimum": return x > limit;
                case "exclusiveMaximum": return x < limit;
                case "multipleOf":
                    if (nv.TryGetValue<decimal>(out var dx) && a.TryGetValue<decimal>(out var dl))
                    {
                        return dx % dl == 0;
                    }

                    var q = x / limit;
                    return Math.Abs(q - Math.Round(q)) < 1e-9;
            }
        }

        if (value is JsonArray array)
        {
            switch (keyword)
            {
                case "minItems": return array.Count >= arg!.GetValue<double>();
                case "maxItems": return array.Count <= arg!.GetValue<double>();
                case "contains": return array.Any(e => Matches(arg, e));
                case "uniqueItems":
                    if (arg!.GetValue<bool>())
                    {
                        for (var i = 0; i < array.Count; i++)
                        {
                            for (var j = i + 1; j < array.Count; j++)
                            {
                                if (JsonPath.JsonEquals(array[i], array[j]))
                                {
                                    return false;
                                }
                            }
                        }
                    }

                    return true;
                case "items":
                    if (arg is JsonArray tuple)
                    {
                        for (var i = 0; i < Math.Min(tuple.Count, array.Count); i++)
                        {
                            if (!Matches(tuple[i], array[i]))
                            {
                                return false;
                            }
                        }

                        return true;
                    }

                    return array.All(e => Matches(arg, e));
                case "additionalItems":
                    return schema["items"] is not JsonArray positional || array.Skip(positional.Count).All(e => Matches(arg, e));
            }
        }

        if (value is JsonObject obj)
        {
            switch (keyword)
            {
                case "required": return ((JsonArray)arg!).All(r => obj.ContainsKey(r!.GetValue<string>()));
                case "minProperties": return obj.Count >= arg!.GetValue<double>();
                case "maxProperties": return obj.Count <= arg!.GetValue<double>();
                case "properties":
                    return ((JsonObject)arg!).All(p => !obj.TryGetPropertyValue(p.Key, out var pv) || Matches(p.Value, pv));
                case "patternProperties":
                    return ((JsonObject)arg!).All(p => TryRegex(p.Key, out var re) && obj.Where(m => Safe(() => re!.IsMatch(m.Key))).All(m => Matches(p.Value, m.Value)));
                case "additionalProperties":
                    var named = schema["properties"] as JsonObject;
                    var patterns = (schema["patternProperties"] as JsonObject)?.Select(p => TryRegex(p.Key, out var re) ? re : null).Where(r => r is not null).ToList() ?? [];
                    return obj.Where(m => named?.ContainsKey(m.Key) != true && !patterns.Any(re => Safe(() => re!.IsMatch(m.Key)))).All(m => Matches(arg, m.Value));
            }
        }

        // Keywords that do not apply to this value's type (or unknown keywords) pass.
        return true;
    }

    private static bool HasType(JsonNode? value, string type) => type switch
    {
        "null" => value is null,
        "object" => value is JsonObject,
        "array" => value is JsonArray,
        "string" => value is JsonValue v && IsString(v),
        "boolean" => value is JsonValue b && b.GetValueKind() is JsonValueKind.True or JsonValueKind.False,
        "number" => value is JsonValue n && n.GetValueKind() == JsonValueKind.Number,
        "integer" => value is JsonValue i && i.GetValueKind() == JsonValueKind.Number && i.TryGetValue<double>(out var d) && Math.Floor(d) == d && !double.IsInfinity(d),
        _ => false,
    };

    private static bool IsString(JsonValue v) => v.GetValueKind() == JsonValueKind.String;

    private static int CodePoints(string s)
    {
        var n = 0;
        for (var i = 0; i < s.Length; i++)
        {
            if (char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
            {
                i++;
            }

            n++;
        }

        return n;
    }

    private static bool Safe(Func<bool> f)
    {
        try
        {
            return f();
        }
        catch (RegexMatchTimeoutException)
        {
            return false;
        }
    }

    // ECMA-262 patterns (ajv compiles with the "u" flag) run on .NET's engine: the shared syntax means the same.
    private static bool TryRegex(string pattern, out Regex? regex)
    {
        try
        {
            regex = new Regex(pattern, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
            return true;
        }
        catch (ArgumentException)
        {
            regex = null;
            return false;
        }
    }

    private static readonly Regex DateRegex = new(@"^(\d\d\d\d)-(\d\d)-(\d\d)$", RegexOptions.CultureInvariant);
    private static readonly Regex TimeRegex = new(@"^(\d\d):(\d\d):(\d\d(?:\.\d+)?)(z|[+-]\d\d(?::?\d\d)?)?$", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase);
    private static readonly Regex EmailRegex = new(@"^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*@(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase);
    private static readonly Regex HostnameRegex = new(@"^(?=.{1,253}\.?$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[-0-9a-z]{0,61}[0-9a-z])?)*\.?$", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase);
    private static readonly Regex UuidRegex = new(@"^(?:urn:uuid:)?[0-9a-f]{8}-(?:[0-9a-f]{4}-){3}[0-9a-f]{12}$", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase);
    private static readonly Regex DurationRegex = new(@"^P(?!$)((\d+Y)?(\d+M)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?|(\d+W)?)$", RegexOptions.CultureInvariant);
    private static readonly Regex Ipv4Regex = new(@"^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$", RegexOptions.CultureInvariant);

    /// <summary>ajv-formats (full mode) for the formats credentials use; unknown formats pass.</summary>
    private static bool Format(string format, string text) => format switch
    {
        "date" => IsDate(text),
        "time" => IsTime(text),
        "date-time" => IsDateTime(text),
        "email" => EmailRegex.IsMatch(text),
        "hostname" => HostnameRegex.IsMatch(text),
        "ipv4" => Ipv4Regex.IsMatch(text),
        "ipv6" => IPAddress.TryParse(text, out var ip) && ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 && !text.Contains('%', StringComparison.Ordinal),
        "uri" => Uri.TryCreate(text, UriKind.Absolute, out var u) && u.Scheme.Length > 0 && !text.Contains(' ', StringComparison.Ordinal),
        "uri-reference" => Uri.TryCreate(text, UriKind.RelativeOrAbsolute, out _) && !text.Contains(' ', StringComparison.Ordinal),
        "uuid" => UuidRegex.IsMatch(text),
        "duration" => DurationRegex.IsMatch(text),
        "regex" => TryRegex(text, out _),
        "int32" or "int64" or "float" or "double" or "byte" or "binary" or "password" => true,
        _ => true,
    };

    private static bool IsDate(string text)
    {
        var m = DateRegex.Match(text);
        if (!m.Success)
        {
            return false;
        }

        var year = int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        var month = int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
        var day = int.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture);
        return month is >= 1 and <= 12 && day >= 1 && day <= (month == 2 && DateTime.IsLeapYear(Math.Max(year, 1)) ? 29 : DaysInMonth[month]);
    }

    private static readonly int[] DaysInMonth = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

    private static bool IsTime(string text)
    {
        var m = TimeRegex.Match(text);
        if (!m.Success)
        {
            return false;
        }

        var h = int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        var min = int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
        var sec = double.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture);
        return (h <= 23 && min <= 59 && sec < 60) || (h == 23 && min == 59 && sec < 61);
    }

    // RFC 3339 date-time: date, "T" (or space, as ajv accepts), time with a mandatory offset.
    private static bool IsDateTime(string text)
    {
        var split = text.IndexOfAny(['T', 't', ' ']);
        if (split < 0)
        {
            return false;
        }

        var time = text[(split + 1)..];
        return IsDate(text[..split]) && IsTime(time) && TimeRegex.Match(time).Groups[4].Success;
    }

    private static bool FormatBound(JsonObject schema, string keyword, JsonNode? arg, string text)
    {
        if (schema.GetString("format") is not ("date" or "date-time" or "time") || arg is not JsonValue b || !IsString(b))
        {
            return true;
        }

        var format = schema.GetString("format")!;
        if (!TryOrdinal(format, text, out var value) || !TryOrdinal(format, b.GetValue<string>(), out var limit))
        {
            return false;
        }

        var c = value.CompareTo(limit);
        return keyword switch
        {
            "formatMinimum" => c >= 0,
            "formatMaximum" => c <= 0,
            "formatExclusiveMinimum" => c > 0,
            _ => c < 0,
        };
    }

    private static bool TryOrdinal(string format, string text, out DateTimeOffset value)
    {
        value = default;
        return format switch
        {
            "date" => IsDate(text) && DateTimeOffset.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out value),
            "date-time" => IsDateTime(text) && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal, out value),
            _ => IsTime(text) && DateTimeOffset.TryParse("2000-01-01T" + (TimeRegex.Match(text).Groups[4].Success ? text : text + "Z"), CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal, out value),
        };
    }
}
