using System.Globalization;
using OPSource.Layers.Stacks.Clarity;
using OPSource.Layers.Stacks.Transactions;

namespace OPSource.Layers.Stacks;

/// <summary>
/// Post-conditions as text, one per string, words separated by spaces (principal is <c>origin</c>, an
/// address or address.contract; comparators are stacks.js's):
/// <c>stx PRINCIPAL eq|gt|gte|lt|lte AMOUNT</c>, <c>ft PRINCIPAL CMP AMOUNT ADDRESS.contract::token</c>,
/// <c>nft PRINCIPAL sent|not-sent|maybe-sent ADDRESS.contract::token CLARITY-VALUE</c>,
/// <c>staking PRINCIPAL CMP AMOUNT</c>, <c>pox PRINCIPAL will-not-perform|may-perform|will-perform</c>.
/// </summary>
public static class PostConditionText
{
    private static readonly string[] Comparators = ["eq", "gt", "gte", "lt", "lte"];
    private static readonly string[] NftCodes = ["sent", "not-sent", "maybe-sent"];
    private static readonly string[] PoxCodes = ["will-not-perform", "may-perform", "will-perform"];

    /// <summary>Parses one post-condition; throws <see cref="StacksException"/> (<c>stacks_post_condition</c>) naming the problem.</summary>
    public static PostCondition Parse(string text)
    {
        string[] words = text.Trim().Split(' ', 5, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        StacksException Bad(string why) => new("stacks_post_condition", $"post-condition '{text}': {why}");
        if (words.Length < 3)
        {
            throw Bad("expected KIND PRINCIPAL CONDITION ... (kinds: stx, ft, nft, staking, pox)");
        }

        var principal = PostConditionPrincipal.Parse(words[1]);
        FungibleConditionCode Cmp(string word)
        {
            int i = Array.IndexOf(Comparators, word);
            return i >= 0 ? (FungibleConditionCode)(i + 1) : throw Bad($"comparator '{word}' is not one of {string.Join(", ", Comparators)}");
        }

        ulong Amount(int index) => words.Length > index && ulong.TryParse(words[index], NumberStyles.None, CultureInfo.InvariantCulture, out ulong v)
            ? v
            : throw Bad("amount must be an integer from 0 to 2^64-1");

        switch (words[0])
        {
            case "stx" when words.Length == 4:
                return new StxPostCondition(principal, Cmp(words[2]), Amount(3));
            case "staking" when words.Length == 4:
                return new StakingPostCondition(principal, Cmp(words[2]), Amount(3));
            case "ft" when words.Length == 5:
                return new FungiblePostCondition(principal, AssetInfo.Parse(words[4]), Cmp(words[2]), Amount(3));
            case "nft" when words.Length == 5:
                int code = Array.IndexOf(NftCodes, words[2]);
                if (code < 0)
                {
                    throw Bad($"condition '{words[2]}' is not one of {string.Join(", ", NftCodes)}");
                }

                return new NonFungiblePostCondition(principal, AssetInfo.Parse(words[3]), ClarityText.Parse(words[4]), (NonFungibleConditionCode)(0x10 + code));
            case "pox" when words.Length == 3:
                int pox = Array.IndexOf(PoxCodes, words[2]);
                return pox >= 0
                    ? new PoxPostCondition(principal, (PoxConditionCode)(0x30 + pox))
                    : throw Bad($"condition '{words[2]}' is not one of {string.Join(", ", PoxCodes)}");
            default:
                throw Bad("expected 'stx P CMP N', 'ft P CMP N ASSET', 'nft P sent|not-sent|maybe-sent ASSET VALUE', 'staking P CMP N' or 'pox P CODE'");
        }
    }

    /// <summary>Prints a post-condition in the same form.</summary>
    public static string Print(PostCondition pc) => pc switch
    {
        StxPostCondition s => $"stx {s.Principal} {Comparators[(int)s.Code - 1]} {s.Amount}",
        StakingPostCondition k => $"staking {k.Principal} {Comparators[(int)k.Code - 1]} {k.Amount}",
        FungiblePostCondition f => $"ft {f.Principal} {Comparators[(int)f.Code - 1]} {f.Amount} {f.Asset}",
        NonFungiblePostCondition n => $"nft {n.Principal} {NftCodes[(int)n.Code - 0x10]} {n.Asset} {ClarityText.Print(n.AssetId)}",
        PoxPostCondition x => $"pox {x.Principal} {PoxCodes[(int)x.Code - 0x30]}",
        _ => pc.ToString(),
    };
}
