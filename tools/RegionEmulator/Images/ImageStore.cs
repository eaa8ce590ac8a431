using System.Collections.Concurrent;

namespace GpuImageBuilder.RegionEmulator.Images;

/// <summary>The emulated region's images, in memory: one process, one region catalogue, gone when it stops.</summary>
public sealed class ImageStore
{
    private readonly ConcurrentDictionary<Guid, StoredImage> _images = new();
    private readonly TimeSpan _listDelay;
    private readonly TimeProvider _clock;

    /// <param name="listDelay">How long a new image stays out of the lists, like the service's cache refresh.</param>
    public ImageStore(TimeSpan listDelay, TimeProvider clock)
    {
        _listDelay = listDelay;
        _clock = clock;
    }

    public void Add(StoredImage image) => _images[image.Id] = image;

    public StoredImage? Get(Guid id) => _images.TryGetValue(id, out var image) ? image : null;

    /// <summary>Changes an image unless it was deleted meanwhile (an import may outlive its image).</summary>
    public StoredImage? Update(Guid id, Func<StoredImage, StoredImage> change)
    {
        while (_images.TryGetValue(id, out var current))
        {
            var changed = change(current);
            if (_images.TryUpdate(id, changed, current))
            {
                return changed;
            }
        }

        return null;
    }

    public bool Remove(Guid id) => _images.TryRemove(id, out _);

    /// <summary>Every image the lists may show now, ordered by name as the service orders them.</summary>
    public IReadOnlyList<StoredImage> Listed()
    {
        var cutoff = _clock.GetUtcNow() - _listDelay;
        return _images.Values
            .Where(i => i.OrganizationId is null || i.Created <= cutoff)
            .OrderBy(i => i.Name, StringComparer.Ordinal)
            .ThenBy(i => i.Created)
            .ToList();
    }

    public IReadOnlyList<StoredImage> All() => _images.Values.OrderBy(i => i.Created).ToList();
}
