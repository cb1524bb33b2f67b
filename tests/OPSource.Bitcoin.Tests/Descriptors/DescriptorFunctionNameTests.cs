using OPSource.Bitcoin.Descriptors;

namespace OPSource.Bitcoin.Tests.Descriptors;

public class DescriptorFunctionNameTests
{
    private const string Key = "03a34b99f22c790c4e36b2b3c2c35a36db06226e41c692fc82b8b56ac1c540c5bd";

    [Theory]
    [InlineData("pk(" + Key + ")", DescriptorType.Pk, "pk")]
    [InlineData("pkh(" + Key + ")", DescriptorType.Pkh, "pkh")]
    [InlineData("wpkh(" + Key + ")", DescriptorType.Wpkh, "wpkh")]
    [InlineData("sh(wpkh(" + Key + "))", DescriptorType.Sh, "sh")]
    [InlineData("wsh(pk(" + Key + "))", DescriptorType.Wsh, "wsh")]
    [InlineData("multi(1," + Key + ")", DescriptorType.Multi, "multi")]
    [InlineData("sortedmulti(1," + Key + ")", DescriptorType.SortedMulti, "sortedmulti")]
    [InlineData("tr(" + Key + ",multi_a(1," + Key + "))", DescriptorType.Tr, "tr")]
    [InlineData("combo(" + Key + ")", DescriptorType.Combo, "combo")]
    [InlineData("raw(51)", DescriptorType.Raw, "raw")]
    [InlineData("addr(bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4)", DescriptorType.Addr, "addr")]
    [InlineData("rawtr(" + Key + ")", DescriptorType.RawTr, "rawtr")]
    public void FunctionNameIsTheTopLevelFunctionAsWritten(string text, DescriptorType type, string name)
    {
        using var descriptor = Descriptor.Parse(text);
        Assert.Equal(type, descriptor.Type);
        Assert.Equal(name, descriptor.FunctionName);
        Assert.StartsWith(name + "(", descriptor.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("tr(" + Key + ",multi_a(1," + Key + "))", DescriptorType.MultiA, "multi_a")]
    [InlineData("tr(" + Key + ",sortedmulti_a(1," + Key + "))", DescriptorType.SortedMultiA, "sortedmulti_a")]
    public void FunctionNameOfTapscriptLeaves(string text, DescriptorType type, string name)
    {
        using var descriptor = Descriptor.Parse(text);
        var leaf = Assert.Single(descriptor.SubDescriptors);
        Assert.Equal(type, leaf.Type);
        Assert.Equal(name, leaf.FunctionName);
    }
}
