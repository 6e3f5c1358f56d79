// SPDX-License-Identifier: GPL-2.0

//! A dedicated slab cache for one type of fixed-size object: the flow table's nodes. Per new
//! connection the slow path allocates two of them; `kmem_cache_alloc` from a cache of their exact
//! size costs about half of what `KBox::new` does through `krealloc` and `kmalloc`'s size
//! classes (measured with the bench's instruction profile), and `/proc/slabinfo` shows operators
//! how many flow entries exist and what they take (`vflow_flow`).

use core::{
    marker::PhantomData,
    mem::MaybeUninit,
    ptr,
    sync::atomic::{AtomicPtr, Ordering},
};

use kernel::{alloc::AllocError, bindings, prelude::*, str::CStr};

use super::sys;

/// A slab cache of `T`s, created at module load and destroyed at unload (a `static`, so that
/// objects freed by `call_rcu` after their table is gone still have their cache).
///
/// # Invariants
///
/// `cache` is null or a cache created by [`Slab::create`] for objects of `size_of::<T>()` bytes
/// aligned to `align_of::<T>()`, live until [`Slab::destroy`].
pub(crate) struct Slab<T> {
    cache: AtomicPtr<bindings::kmem_cache>,
    _t: PhantomData<fn() -> T>,
}

impl<T> Slab<T> {
    /// A slab not created yet: allocations fall back to `kmalloc`.
    pub(crate) const fn new() -> Self {
        Slab {
            cache: AtomicPtr::new(ptr::null_mut()),
            _t: PhantomData,
        }
    }

    /// Creates the cache (module load, before any allocation from it).
    pub(crate) fn create(&self, name: &'static CStr) -> Result {
        let (size, align) = (size_of::<T>(), align_of::<T>());
        let size = u32::try_from(size).map_err(|_| EINVAL)?;
        let align = u32::try_from(align).map_err(|_| EINVAL)?;
        // SAFETY: `name` lives forever (the cache keeps the pointer); plain cache creation.
        let c = unsafe { sys::vflow_slab_create(name.as_char_ptr(), size, align) };
        if c.is_null() {
            return Err(ENOMEM);
        }
        self.cache.store(c, Ordering::Release);
        Ok(())
    }

    /// Destroys the cache.
    ///
    /// # Safety
    ///
    /// Every object allocated from it has been freed, including those whose free an RCU callback
    /// does (call it after `rcu_barrier()`), and no allocation from it can start any more.
    pub(crate) unsafe fn destroy(&self) {
        let c = self.cache.swap(ptr::null_mut(), Ordering::AcqRel);
        if !c.is_null() {
            // SAFETY: `c` came from `create` (invariant); the caller guarantees it is empty and
            // unused.
            unsafe { bindings::kmem_cache_destroy(c) };
        }
    }

    /// An uninitialised `T` (`GFP_ATOMIC`: the packet path allocates). Freeing it as a `KBox`
    /// is right for both sources: `kfree()` frees objects of any slab cache.
    #[inline]
    pub(crate) fn alloc_atomic(&self) -> Result<KBox<MaybeUninit<T>>, AllocError> {
        let c = self.cache.load(Ordering::Acquire);
        if c.is_null() {
            return KBox::new_uninit(GFP_ATOMIC);
        }
        // SAFETY: `c` is a live cache of `T`-sized, `T`-aligned objects (invariant; `destroy`
        // only runs once nothing allocates).
        let p = unsafe { sys::vflow_slab_alloc_atomic(c) };
        if p.is_null() {
            return Err(AllocError);
        }
        // `KBox`'s free (`krealloc(p, 0)`, that is `kfree`) releases slab objects of any cache.
        // SAFETY: `p` is a fresh, exclusively owned allocation of `size_of::<T>()` bytes aligned
        // for `T`, and `MaybeUninit` needs no initialisation.
        Ok(unsafe { KBox::from_raw(p.cast::<MaybeUninit<T>>()) })
    }
}
