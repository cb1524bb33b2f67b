using System.Text.Json;
using System.Text.Json.Nodes;

namespace OPSource.Web5.Dwn;

/// <summary>
/// Message-store filters as dwn-sdk-js 0.5 evaluates them (src/utils/filter.ts FilterUtility): a filter maps index
/// names to an equal value, a one-of array or a range object (gt/gte/lt/lte); a message matches a filter when every
/// named index exists and matches (an array-valued index matches when any element does), and a list of filters
/// matches when any filter does (an empty list matches everything).
/// </summary>
public static class DwnFilter
{
    /// <summary>FilterUtility.matchAnyFilter.</summary>
    public static bool MatchAny(JsonObject indexes, IReadOnlyList<JsonObject> filters)
    {
        ArgumentNullException.ThrowIfNull(indexes);
        ArgumentNullException.ThrowIfNull(filters);
        return filters.Count == 0 || filters.Any(f => Match(indexes, f));
    }

    /// <summary>FilterUtility.matchFilter.</summary>
    public static bool Match(JsonObject indexes, JsonObject filter)
    {
        ArgumentNullException.ThrowIfNull(indexes);
        ArgumentNullException.ThrowIfNull(filter);
        foreach (var (name, filterValue) in filter)
        {
            var indexValue = indexes[name];
            if (indexValue is null)
            {
                return false;
            }

            var matched = indexValue is JsonArray values
                ? values.Any(v => v is JsonValue one && MatchValue(filterValue, one))
                : indexValue is JsonValue value && MatchValue(filterValue, value);
            if (!matched)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>FilterUtility.convertRangeCriterion: from is inclusive (gte), to exclusive (lt).</summary>
    public static JsonObject? RangeFromCriterion(JsonObject? criterion)
    {
        if (criterion is null)
        {
            return null;
        }

        var range = new JsonObject();
        if (criterion["from"] is { } from)
        {
            range["gte"] = from.DeepClone();
        }

        if (criterion["to"] is { } to)
        {
            range["lt"] = to.DeepClone();
        }

        return range.Count == 0 ? null : range;
    }

    /// <summary>FilterUtility.constructPrefixFilterAsRangeFilter: [prefix, prefix + U+FFFF).</summary>
    public static JsonObject PrefixRange(string prefix) => new() { ["gte"] = prefix, ["lt"] = prefix + '\uffff' };

    /// <summary>Compares two index values the way JavaScript's &lt; and &gt; do for same-typed values (strings by UTF-16 code units).</summary>
    public static int Compare(JsonValue a, JsonValue b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.TryGetValue<string>(out var sa) && b.TryGetValue<string>(out var sb))
        {
            return Math.Sign(string.CompareOrdinal(sa, sb));
        }

        if (TryNumber(a, out var na) && TryNumber(b, out var nb))
        {
            return na.CompareTo(nb);
        }

        // Mixed types never order in JavaScript (NaN comparisons); treat them as unordered-equal.
        return 0;
    }

    private static bool MatchValue(JsonNode? filterValue, JsonValue indexValue) => filterValue switch
    {
        JsonArray oneOf => oneOf.Any(v => v is JsonValue candidate && StrictEquals(candidate, indexValue)),
        JsonObject range => MatchRange(range, indexValue),
        JsonValue equal => StrictEquals(equal, indexValue),
        _ => false,
    };

    private static bool MatchRange(JsonObject range, JsonValue value)
    {
        // A comparison between different types is false in JavaScript, so such a bound never excludes.
        if (range["lt"] is JsonValue lt && Comparable(lt, value) && Compare(value, lt) >= 0)
        {
            return false;
        }

        if (range["lte"] is JsonValue lte && Comparable(lte, value) && Compare(value, lte) > 0)
        {
            return false;
        }

        if (range["gt"] is JsonValue gt && Comparable(gt, value) && Compare(value, gt) <= 0)
        {
            return false;
        }

        return range["gte"] is not JsonValue gte || !Comparable(gte, value) || Compare(value, gte) >= 0;
    }

    private static bool Comparable(JsonValue a, JsonValue b) =>
        (a.GetValueKind() == JsonValueKind.String && b.GetValueKind() == JsonValueKind.String) ||
        (a.GetValueKind() == JsonValueKind.Number && b.GetValueKind() == JsonValueKind.Number);

    /// <summary>JavaScript === on JSON primitives.</summary>
    public static bool StrictEquals(JsonValue a, JsonValue b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var ka = a.GetValueKind();
        var kb = b.GetValueKind();
        if (ka is JsonValueKind.True or JsonValueKind.False || kb is JsonValueKind.True or JsonValueKind.False)
        {
            return ka == kb;
        }

        if (ka != kb)
        {
            return false;
        }

        return ka == JsonValueKind.Number ? TryNumber(a, out var na) && TryNumber(b, out var nb) && na == nb : a.GetValue<string>() == b.GetValue<string>();
    }

    /// <summary>The value of a JSON number, whatever CLR type backs it.</summary>
    internal static bool TryNumber(JsonValue value, out double number)
    {
        number = 0;
        return value.GetValueKind() == JsonValueKind.Number
            && double.TryParse(value.ToJsonString(), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out number);
    }
}
