/* images.S: the kernel shim and the vDSO, embedded in the zxvmm executable. */
    .section .rodata
    .balign 16
    .globl zxvmm_shim_image, zxvmm_shim_image_end
zxvmm_shim_image:
    .incbin ZXVMM_SHIM_IMAGE
zxvmm_shim_image_end:
    .balign 16
    .globl zxvmm_vdso_image, zxvmm_vdso_image_end
zxvmm_vdso_image:
    .incbin ZXVMM_VDSO_IMAGE
zxvmm_vdso_image_end:
    .section .note.GNU-stack, "", @progbits
